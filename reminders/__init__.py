"""Reminders, one package: the policy (policy.py), the one place stage moments are computed
(schedule.py, below services/), case reminders, digests and rankings (digest.py), task reminders
(task_reminders.py), their notices (notices.py) and the one scan over them all (scan.py).
"""
