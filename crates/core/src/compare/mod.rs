//! Stage 5, compare: the DaemonSets that should exist ([`desired`](mod@desired)) against
//! a cluster's state: the [`plan`](mod@plan) (what happens to each DaemonSet and each
//! daemon pod), the [`diff`]
//! of the objects, and the facts [`explain`] shows for one (DaemonSet, node).

pub mod claims;
pub mod desired;
pub mod diff;
pub mod explain;
pub mod plan;
pub mod rollout;

pub use claims::{claim_warnings, contested_orphans};
pub use desired::{Desired, desired, live_of, pruned, schema_problems, unknown_template_nodes};
pub use plan::{Action, Change, DaemonSetPlan, PLAN_API_VERSION, Placement, Plan, Summary, plan};
pub use rollout::{Rollout, SLOW_ROLLOUT_WAVES, Stall};
