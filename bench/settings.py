"""Portal's settings with the channel layer the benchmarks compare (DJANGO_SETTINGS_MODULE=
bench.settings, set by bench/servers.py). Nothing else differs from portal.settings.

BENCH_CHANNEL_LAYER=core: channels_redis.core.RedisChannelLayer instead of the pub/sub
layer that portal.settings uses. (The database pool is portal.settings' own
DATABASE_POOL_MAX_SIZE; ``bench.servers start --no-pool`` sets it to 0.)
"""

from portal.env import env_str
from portal.settings import *  # noqa: F403
from portal.settings import CHANNEL_LAYERS

if env_str("BENCH_CHANNEL_LAYER", "pubsub") == "core":
    CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.core.RedisChannelLayer"
