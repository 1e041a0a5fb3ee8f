"""Lab campaigns: apps × consent plans as jobs, run on device stations (see docs/campaigns.md).

The same job code runs in three places: a Celery station worker bound to one device,
a Celery analysis worker, and the embedded runner (one thread per local device, no broker).
"""
