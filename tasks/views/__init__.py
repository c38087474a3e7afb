# Views by area: plans.py (plans, outline, task list, task pages), updates.py (quarterly updates and
# review), excel.py (progress-table export and import).
