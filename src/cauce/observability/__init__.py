"""Operations: Prometheus metrics and structured logs (request and job ids).

Below the features (like `cauce.logsafety`): any feature may count into `cauce.observability.metrics`
and the runtime binds a job's name and id to every log line with `cauce.observability.logs.bind_job`.
The `/metrics` route itself is the web layer's (`cauce.web.ops`).
"""
