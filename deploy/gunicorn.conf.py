"""gunicorn settings for the web process: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Several such processes on several hosts sit behind the load balancer; they share nothing
but PostgreSQL (and Redis when REDIS_URL is set). The scheduler is a separate process.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Each worker loads the knowledge base once (~tens of MB): 2 x cores is a good start.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
# A message costs ~2-3 ms of CPU, most of it Python under one GIL: threads in a worker only
# queue for that GIL and stretch the tail (bench: 4 x 4 gthread 429 req/s, p99 ~400 ms;
# 4 x 1 sync ~680 req/s, p99 12 ms on 2 cores). One thread a worker, more workers to scale;
# nginx in front buffers slow clients, so sync workers are safe. GUNICORN_THREADS > 1 gives
# gthread workers again (e.g. if handlers ever wait on slow I/O).
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
# WeChat gives up after 5 s and retries; a request still running at 30 s is stuck.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (jitter so they do not all restart together).
max_requests = 20000
max_requests_jitter = 2000
# Headers and request lines are small on this service; bodies are capped by the app
# (MAX_BODY_BYTES) and by the reverse proxy (client_max_body_size).
limit_request_line = 8190
limit_request_fields = 50
# The path without its query string: WeChat's signature, timestamp and nonce (enough to
# replay a plain-mode delivery within the window) and Open311's api_key never reach the log.
# No referer either (it may carry someone else's query string).
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(M)sms'
errorlog = "-"
loglevel = "info"
# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = "127.0.0.1"
