"""Load testing of the gateway: ``python -m loadtest --url http://127.0.0.1:8000 --requests 2000 --concurrency 16``.

Drives ``POST /v1/transmit`` with a bounded number of requests at a fixed
concurrency, cycling through a grid of channel settings, and reports throughput,
latency percentiles per setting and overall and errors by kind (JSON + PNG).
``loadtest/locustfile.py`` does the same grid with locust.
"""
