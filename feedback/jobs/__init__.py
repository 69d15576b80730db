"""Scheduled jobs, in one table with stable ids, each run in an app context by the scheduler process."""
