"""Portal's settings with the two switches the benchmarks compare (DJANGO_SETTINGS_MODULE=
bench.settings, set by bench/servers.py). Nothing else differs from portal.settings.

- BENCH_CHANNEL_LAYER=core: channels_redis.core.RedisChannelLayer instead of the pub/sub
  layer that portal.settings uses.
- BENCH_DB_POOL=1: Django's PostgreSQL connection pool (needs the psycopg-pool package).
"""

from portal.env import env_bool, env_str
from portal.settings import *  # noqa: F403
from portal.settings import CHANNEL_LAYERS, DATABASES

if env_str("BENCH_CHANNEL_LAYER", "pubsub") == "core":
    CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.core.RedisChannelLayer"

if env_bool("BENCH_DB_POOL"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20}
