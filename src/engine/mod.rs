//! The phase runner: expand, contract, abort and plan, with the rules of order (DESIGN §3).
