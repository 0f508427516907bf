//! The rollout gate: may a contract phase run now?
