"""gunicorn's settings: the same for `make run` (Procfile) and deploy/systemd/clinic-web.service.

Sync workers: one request, and so one database connection (CONN_MAX_AGE keeps it), per
worker process; WEB_CONCURRENCY workers need WEB_CONCURRENCY connections (README,
"Database connections"). Requests beyond the busy workers wait in the listen backlog.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
backlog = 2048
timeout = 30
graceful_timeout = 10  # SIGTERM: finish the requests in flight, at most this long
# A worker is replaced after this many requests (plus jitter, so not all at once): memory
# that a long-lived process might gather is given back.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Logs as one JSON object a line, like the app's (clinic/settings.py LOGGING); an access
# line names the request id that django-guid gave the request (its X-Request-ID header).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
_JSON = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s",
    "timestamp": "time",  # ISO 8601, UTC
    "rename_fields": {"levelname": "level", "name": "logger"},
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": _JSON},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
