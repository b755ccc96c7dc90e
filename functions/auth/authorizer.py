"""The API's Lambda REQUEST authorizer: API key or session -> Allow with principal context and usage key."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from promptbank.auth.authorizer import authorize
from promptbank.errors import Unauthorized
from promptbank.observability import count, logger
from promptbank.snapstart import prepare_snapshot, warm_dynamodb
from promptbank.store.accounts import AccountStore

store = AccountStore()
prepare_snapshot(warm_dynamodb)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return authorize(event, store)
    except Unauthorized:
        count("CredentialsRefused")
        # The exact message "Unauthorized" is how a Lambda authorizer tells API Gateway to answer 401.
        raise Exception("Unauthorized") from None
