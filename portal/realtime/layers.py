"""The channel layer: channels-redis' pub/sub layer, plus sending to many groups at once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from typing import Any

from channels.layers import BaseChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from portal.cache import REDIS_DOWN

logger = logging.getLogger(__name__)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """``group_send_many`` publishes to every group of a message's recipients in one
    pipelined round trip per Redis shard. channels-redis publishes one message at a time
    under a per-shard lock (a round trip each, in turn), which at ten recipients a message
    was the longest wait on the event loop of a busy process (docs/performance.md).

    ``new_channel`` works with Redis down: a socket's own channel is only a queue in this
    process until Redis is back, since Portal reaches sockets through groups (which the
    consumer joins again from its poll), never by channel name.
    """

    async def new_channel(self, prefix: str = "specific.") -> str:
        layer: Any = self._get_layer()
        channel = f"{layer.prefix}{prefix}{uuid.uuid4().hex}"
        layer.channels[channel] = asyncio.Queue()
        try:
            await layer._subscribe_to_channel(channel)
        except REDIS_DOWN as error:
            logger.warning("channel %s not subscribed, Redis is unreachable: %s", channel, error)
        return channel

    async def group_send_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        layer: Any = self._get_layer()  # channels-redis' per-event-loop layer
        by_shard: dict[Any, list[tuple[str, bytes]]] = defaultdict(list)
        for group, message in messages:
            channel = layer._get_group_channel_name(group)
            by_shard[layer._get_shard(channel)].append((channel, self.serialize(message)))
        for shard, published in by_shard.items():
            async with shard._lock:
                shard._ensure_redis()
                pipeline = shard._redis.pipeline(transaction=False)
                for channel, payload in published:
                    pipeline.publish(channel, payload)
                await pipeline.execute()


async def group_send_many(
    layer: BaseChannelLayer, messages: list[tuple[str, dict[str, Any]]]
) -> None:
    """Send each (group, message); in one round trip where the layer can."""
    if isinstance(layer, PubSubChannelLayer):
        await layer.group_send_many(messages)
        return
    for group, message in messages:
        await layer.group_send(group, message)
