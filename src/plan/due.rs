//! Due dates: explicit on the item, else the incident start plus the
//! policy's days for its horizon or priority.

use chrono::{Datelike, Days, NaiveDate};

use crate::config::Config;
use crate::model::{Postmortem, Task};

/// Effective due date: explicit, else incident start + policy days.
pub fn due_of(task: &Task, pm: &Postmortem, config: &Config) -> Option<NaiveDate> {
    task.due.or_else(|| {
        let days = config.due.days_for(task.horizon, task.priority);
        pm.incident_start?
            .checked_add_days(Days::new(u64::from(days)))
    })
}

/// The last day of `d`'s month.
pub(super) fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}
