"""Sending to many groups in one round trip, on the real Redis pub/sub layer."""

from __future__ import annotations

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from portal.realtime.layers import PubSubChannelLayer, group_send_many


async def test_each_group_gets_its_own_message_in_order():
    # `make test` sets REDIS_URL; without it this fails rather than skips, like the live
    # tests, so that a run cannot silently leave the Redis layer untested.
    assert settings.REDIS_URL, "the Redis layer needs REDIS_URL: run `make test`"
    layer = get_channel_layer()
    assert isinstance(layer, PubSubChannelLayer)
    first, second = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("layers-test.a", first)
    await layer.group_add("layers-test.b", second)
    try:
        await group_send_many(
            layer,
            [
                ("layers-test.a", {"type": "x", "n": 1}),
                ("layers-test.b", {"type": "x", "n": 2}),
                ("layers-test.a", {"type": "x", "n": 3}),
                ("layers-test.nobody", {"type": "x", "n": 4}),
            ],
        )
        assert [(await layer.receive(first))["n"] for _ in range(2)] == [1, 3]
        assert (await layer.receive(second))["n"] == 2
    finally:
        await layer.group_discard("layers-test.a", first)
        await layer.group_discard("layers-test.b", second)


async def test_other_layers_get_one_send_per_group():
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await group_send_many(layer, [("g", {"type": "x", "n": 1}), ("g", {"type": "x", "n": 2})])
    assert [(await layer.receive(channel))["n"] for _ in range(2)] == [1, 2]
