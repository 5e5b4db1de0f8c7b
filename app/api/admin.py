"""Administration over the API (scope ``admin``, held only by admin users): every user's tokens,
and revoking any of them."""

from __future__ import annotations

from app.api.auth import forget_tokens
from app.api.endpoint import Call, Endpoint, api
from app.api.problems import ApiProblem
from app.api.schemas import Problem, TokenOut
from app.runtime import runtime
from db.repositories import api_tokens as repo
from db.repositories.api_tokens import TokenInfo
from db.repositories.users import UserError

ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _out(info: TokenInfo) -> TokenOut:
    return TokenOut.model_validate(info.to_dict())


@api(Endpoint("GET", "/admin/tokens", "Every user's live API tokens (never the secrets)", "admin", "admin",
              list[TokenOut]))  # fmt: skip
def list_all_tokens(call: Call) -> list[TokenOut]:
    return [_out(info) for info in repo.list_tokens(runtime().engine)]


@api(Endpoint("POST", "/admin/tokens/<int:token_id>/revoke", "Revoke any user's token", "admin", "admin", TokenOut,
              others={404: Problem}, path_params={"token_id": ID}))  # fmt: skip
def revoke_any_token(call: Call, token_id: int) -> TokenOut:
    try:
        info = repo.revoke_token(runtime().engine, token_id, None, call.user.username)
    except UserError:
        raise ApiProblem(
            "NOT_FOUND", f"no token {token_id}", f"토큰 {token_id}을(를) 찾을 수 없습니다"
        ) from None
    forget_tokens()
    return _out(info)
