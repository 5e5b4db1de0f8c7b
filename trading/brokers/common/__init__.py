"""Plumbing shared by the REST broker adapters: tokens, pacing, HTTP, reconciliation, realtime feed."""

from trading.brokers.common.feed import Feed, FeedGap, FeedProtocol, FeedSubscription, Handled
from trading.brokers.common.http import HttpClient, RequestNotSent, ResponseLost
from trading.brokers.common.rate_limit import (
    LocalRateLimiter,
    RateLimiter,
    RateRule,
    RedisRateLimiter,
    default_rate_limiter,
)
from trading.brokers.common.reconcile import OrderOutcomeUnknown, find_order, reconcile
from trading.brokers.common.token_store import (
    FileTokenStore,
    RedisTokenStore,
    TokenStore,
    default_token_store,
    token_key,
)
from trading.brokers.common.tokens import IssuedToken, TokenManager

__all__ = [
    "Feed",
    "FeedGap",
    "FeedProtocol",
    "FeedSubscription",
    "FileTokenStore",
    "Handled",
    "HttpClient",
    "IssuedToken",
    "LocalRateLimiter",
    "OrderOutcomeUnknown",
    "RateLimiter",
    "RateRule",
    "RedisRateLimiter",
    "RedisTokenStore",
    "RequestNotSent",
    "ResponseLost",
    "TokenManager",
    "TokenStore",
    "default_rate_limiter",
    "default_token_store",
    "find_order",
    "reconcile",
    "token_key",
]
