"""The tick recorder: broker feed → durable buffer (Redis Stream | spool file) → batch writer → tick_data.

Modules, one job each:

- ``codec``: the wire format of a buffered batch (packed CSV rows, validated in C by one regex)
- ``stream`` / ``spool``: the durable buffers (full mode / embedded mode)
- ``sink``: writes packed rows to ``tick_data`` (LOAD DATA LOCAL INFILE, multi-row INSERT IGNORE,
  SQLite INSERT OR IGNORE); idempotent through the primary key
- ``writer``: the batch writer loop (flush every second or 10,000 rows; ack after commit)
- ``collector``: turns broker ``Tick`` callbacks into packed batches for a buffer
- ``universe`` / ``feed``: what to subscribe and how (sharded by the per-connection cap)
- ``derived``: minute bars, ranking snapshots, the market-data cache
- ``cache``: the cache readers/writers for the web app
- ``health`` / ``metrics``: health records and the Prometheus exposition
- ``service``: assembles a running recorder from settings
"""
