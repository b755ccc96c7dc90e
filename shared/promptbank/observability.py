"""The Powertools Logger and Metrics every function shares (service name and namespace from the environment).

No Powertools Tracer here: importing aws_xray_sdk costs about a second of every cold start, and `Tracing: Active`
in the template already records each invocation (and API Gateway's) segment without it (docs/decisions.md).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
