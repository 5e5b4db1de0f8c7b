"""The REST API: its docs page (/api/v1/docs) and the API token page (/tokens).

Namespaces: ``api.*``, ``tokens.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "api.docs_title": ("REST API 문서", "REST API documentation"),
    "api.docs_intro": (
        "GSLTS의 시세, 계좌, 주문, 백테스트, 자동매매를 프로그램에서 쓰는 API입니다. 주문은 화면과 같은 주문 "
        "게이트웨이와 리스크 검사를 거칩니다. 금액은 원 단위 정수, 수량은 주 단위, 시각은 한국 시간입니다. "
        "기계가 읽는 명세(OpenAPI 3):",
        "Programmatic access to GSLTS quotes, the account, orders, backtests and bots. Orders pass the same "
        "order gateway and risk checks as the screens. Money is integer won, quantities whole shares, times "
        "KST. The machine-readable spec (OpenAPI 3):",
    ),
    "api.docs_auth": ("인증", "Authentication"),
    "api.docs_auth_body": (
        "'API 토큰' 화면이나 `gslts token create`로 토큰을 만들고 모든 요청에 "
        "Authorization: Bearer <토큰> 헤더로 보냅니다. 토큰은 만들 때 한 번만 보입니다.",
        "Create a token on the 'API tokens' page or with `gslts token create`, and send it on every request "
        "as Authorization: Bearer <token>. A token is shown once, when it is created.",
    ),
    "api.docs_scopes": (
        "권한(scope): read = 조회와 백테스트, trade = read + 주문·정정·취소와 봇 시작/일시정지/정지, "
        "admin = 관리(관리자만). 토큰의 권한은 사용자의 역할을 넘을 수 없습니다(조회 전용 사용자는 read만).",
        "Scopes: read = reads and backtests, trade = read + orders, modifies, cancels and bot "
        "start/pause/stop, admin = administration (admins only). A token never exceeds its user's role "
        "(a viewer holds read only).",
    ),
    "api.docs_idempotency": (
        "POST 요청에 Idempotency-Key 헤더를 붙이면 같은 키의 재요청은 첫 응답을 돌려줍니다. 주문은 같은 "
        "주문이 돌아오고 두 번 들어가지 않습니다. 같은 키를 다른 요청에 쓰면 IDEMPOTENCY_MISMATCH입니다.",
        "Send an Idempotency-Key header on POST: a repeated key returns the first answer — for orders the "
        "same order, never a second one. A key reused for a different request is IDEMPOTENCY_MISMATCH.",
    ),
    "api.docs_dry_run": (
        "POST /api/v1/orders?dry_run=true는 주문을 보내지 않고 게이트웨이의 판정(통과/거부와 사유)과 "
        "주문금액, 수수료, 세금을 돌려줍니다. 확인이 필요한 주문(실거래, 큰 금액)은 같은 Idempotency-Key로 "
        "받은 confirm_token을 주문에 넣어 보냅니다.",
        "POST /api/v1/orders?dry_run=true sends nothing and returns the gateway's verdict (accepted or "
        "rejected, with the reason) with the amount, commission and tax. An order needing a confirmation "
        "(live, large) carries the confirm_token a dry run with the same Idempotency-Key returned.",
    ),
    "api.docs_rate": (
        "요청 수는 토큰마다 분당 한도가 있습니다(RateLimit-* 헤더). 넘으면 429와 Retry-After를 돌려줍니다.",
        "Requests are limited per token and minute (RateLimit-* headers); beyond it the answer is 429 with "
        "Retry-After.",
    ),
    "api.docs_endpoints": ("엔드포인트", "Endpoints"),
    "api.docs_method": ("방식", "Method"),
    "api.docs_path": ("경로", "Path"),
    "api.docs_scope": ("권한", "Scope"),
    "api.docs_summary": ("설명", "Summary"),
    "api.docs_errors": ("오류", "Errors"),
    "api.docs_errors_body": (
        "오류는 RFC 9457 problem+json입니다: type, title, status, detail(영어), detail_ko(한국어), "
        "reason(아래 표의 사유 코드).",
        "Errors are RFC 9457 problem+json: type, title, status, detail (English), detail_ko (Korean) and "
        "reason (the code in the table below).",
    ),
    "api.docs_meaning": ("의미", "Meaning"),
    # /tokens
    "tokens.nav": ("API 토큰", "API tokens"),
    "tokens.title": ("API 토큰", "API tokens"),
    "tokens.intro": (
        "프로그램에서 REST API(/api/v1)를 쓸 때 보내는 토큰입니다. 토큰은 만들 때 한 번만 보이며, 서버에는 "
        "해시만 저장됩니다. 필요 없어진 토큰은 바로 폐기하세요.",
        "Tokens for programs using the REST API (/api/v1). A token is shown once, when it is created; the "
        "server keeps only its hash. Revoke a token as soon as it is no longer needed.",
    ),
    "tokens.docs": ("API 문서 보기", "Read the API documentation"),
    "tokens.name": ("이름", "Name"),
    "tokens.name_ph": ("예: 주문 스크립트", "e.g. order script"),
    "tokens.scopes": ("권한", "Scopes"),
    "tokens.scope_read": ("조회(read)", "Read"),
    "tokens.scope_trade": ("주문(trade)", "Trade"),
    "tokens.scope_admin": ("관리(admin)", "Admin"),
    "tokens.create": ("토큰 만들기", "Create token"),
    "tokens.created": (
        "새 토큰입니다. 지금 복사해 두세요 — 다시 볼 수 없습니다.",
        "Your new token. Copy it now — it will not be shown again.",
    ),
    "tokens.none": ("토큰이 없습니다", "No tokens"),
    "tokens.col_name": ("이름", "Name"),
    "tokens.col_prefix": ("식별자", "Prefix"),
    "tokens.col_scopes": ("권한", "Scopes"),
    "tokens.col_created": ("만든 시각", "Created"),
    "tokens.col_used": ("마지막 사용", "Last used"),
    "tokens.revoke": ("폐기", "Revoke"),
    "tokens.revoked": ("토큰 {name}을(를) 폐기했습니다", "Token {name} revoked"),
    "tokens.error": ("토큰을 만들 수 없습니다: {error}", "Could not create the token: {error}"),
    "tokens.bad_name": ("이름은 1~60자여야 합니다", "A name must be 1-60 characters"),
    "tokens.bad_scope": (
        "권한을 하나 이상 고르세요(역할이 허용하는 것만)",
        "Pick at least one scope your role allows",
    ),
}
