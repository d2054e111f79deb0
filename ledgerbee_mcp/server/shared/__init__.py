"""State shared between replicas of the server, for running it as more than one process.

One process keeps its safety in memory: a per-document lock, an audit file, a token secret. Behind a load balancer
each replica would hold only its own, and two replicas could send the same draft at once. With
`LEDGERBEE_REDIS_URL` set, these parts move that state to a Redis server every replica shares:

- `RedisLocks`: the per-document lock of `Runtime.locked`, held across all processes, with a `Fence` to check
  right before the irreversible request.
- The audit goes to each replica's file log and to one Redis stream (`audit_sink.HostAudit`, which needs no
  import from here at start-up); `RedisAuditStream` reads the stream back.
- The confirmation-token secret and the request-state keys are not here: `Settings` reads them from
  configuration (each replica is given the same values; Redis does not carry secrets).

Limits: one Redis instance (no Redlock, no failover guarantee: a replica promoted after an asynchronous
replication may not have a lock just taken); expiry is measured by Redis, so the replicas' clocks need not agree.
"""

from ledgerbee_mcp.server.shared.connection import open_redis
from ledgerbee_mcp.server.shared.redis_audit import RedisAuditStream
from ledgerbee_mcp.server.shared.redis_locks import Fence, LockLost, LockUnavailable, RedisLocks

__all__ = [
    "Fence",
    "LockLost",
    "LockUnavailable",
    "RedisAuditStream",
    "RedisLocks",
    "open_redis",
]
