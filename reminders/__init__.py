"""Reminders, one package: the policy (policy.py), the one place stage thresholds are computed
(schedule.py), case reminders, digests and rankings (digest.py), task reminders
(task_reminders.py), their notices (notices.py) and the one scan over them all (scan.py).
"""
