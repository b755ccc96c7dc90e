"""The table stream's consumer for new runs: adds each to its stats aggregates, exactly once."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from promptbank.observability import logger
from promptbank.streams import RunStatsProcessor

processor = RunStatsProcessor()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return processor.handle(event)
