"""Jobs that run themselves: what each does and when (`registry`), running the due ones once
across every node that shares the database (`runner`), and waking them on time (`scheduler`).
See docs/jobs.md."""

from paperfeed.jobs.registry import Job, JobConfig, JobContext, build_jobs
from paperfeed.jobs.runner import JobRunner, RunResult
from paperfeed.jobs.scheduler import JobScheduler, start_scheduler

__all__ = [
    "Job",
    "JobConfig",
    "JobContext",
    "JobRunner",
    "JobScheduler",
    "RunResult",
    "build_jobs",
    "start_scheduler",
]
