"""/alerts, the navbar bell and the trade page's price-alert form.

Namespaces: ``alerts.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "alerts.title": ("알림 설정", "Alerts"),
    "alerts.intro": (
        "체결·주문·봇·리스크·리포트·가격 알림을 알림 센터(종 모양), 브라우저 알림, 웹훅, 텔레그램으로 받습니다. "
        "켜기: 모든 채널로 알림, 무음: 알림 센터와 채널에 기록만(브라우저 팝업·텔레그램 소리 없음), 끄기: 받지 않음.",
        "Fills, orders, bots, risk, the report and price alerts reach you in the notification centre (the bell), "
        "browser notifications, webhooks and Telegram. On: every channel; silent: recorded and sent without a "
        "pop-up or Telegram sound; off: nothing.",
    ),
    "alerts.bell": ("알림", "Notifications"),
    "alerts.bell_empty": ("새 알림이 없습니다.", "No notifications."),
    "alerts.mark_read": ("모두 읽음", "Mark all read"),
    "alerts.open_page": ("알림 설정 열기", "Alert settings"),
    "alerts.browser_enable": ("브라우저 알림 켜기", "Enable browser notifications"),
    "alerts.settings": ("이벤트별 설정", "Per event type"),
    "alerts.mode.on": ("켜기", "On"),
    "alerts.mode.silent": ("무음", "Silent"),
    "alerts.mode.off": ("끄기", "Off"),
    "alerts.saved": ("저장했습니다.", "Saved."),
    "alerts.ev.order.accepted": ("주문 접수", "Order accepted"),
    "alerts.ev.order.rejected": ("주문 거부", "Order rejected"),
    "alerts.ev.order.filled": ("체결", "Order filled"),
    "alerts.ev.bot.stop": ("손절/익절 발동", "Stop fired"),
    "alerts.ev.bot.signal": ("봇 신호", "Bot signal"),
    "alerts.ev.risk.state": ("리스크 상태 변경", "Risk state change"),
    "alerts.ev.risk.kill": ("킬 스위치", "Kill switch"),
    "alerts.ev.report.ready": ("모닝 리포트 준비 (08:00)", "Morning report ready (08:00)"),
    "alerts.ev.price.alert": ("가격 알림", "Price alert"),
    "alerts.ev.health.feed": ("시세 피드 상태", "Feed health"),
    "alerts.ev.health.recorder": ("틱 레코더 상태", "Recorder health"),
    "alerts.ev.health.system": ("시스템 상태", "System health"),
    "alerts.webhooks": ("웹훅", "Webhooks"),
    "alerts.webhook_help": (
        "JSON을 POST합니다. X-GSLTS-Signature: sha256=HMAC(비밀키, 타임스탬프 + '.' + 본문), "
        "X-GSLTS-Delivery(중복 제거용 ID). 실패하면 백오프로 재시도합니다.",
        "JSON is POSTed with X-GSLTS-Signature: sha256=HMAC(secret, timestamp + '.' + body) and "
        "X-GSLTS-Delivery (the dedupe id). Failures are retried with backoff.",
    ),
    "alerts.url": ("URL", "URL"),
    "alerts.name": ("이름", "Name"),
    "alerts.add": ("추가", "Add"),
    "alerts.test": ("테스트", "Test"),
    "alerts.remove": ("삭제", "Remove"),
    "alerts.secret_once": (
        "웹훅 #{id}의 비밀키입니다. 지금 한 번만 표시됩니다: {secret}",
        "Secret of webhook #{id}, shown only now: {secret}",
    ),
    "alerts.test_ok": ("테스트 메시지를 보냈습니다.", "Test message delivered."),
    "alerts.test_failed": ("테스트 실패: {error}", "Test failed: {error}"),
    "alerts.removed": ("삭제했습니다.", "Removed."),
    "alerts.none": ("없음", "None"),
    "alerts.telegram": ("텔레그램", "Telegram"),
    "alerts.destinations": ("등록된 웹훅·텔레그램", "Your webhooks and Telegram chats"),
    "alerts.chat_id": ("채팅 ID", "Chat id"),
    "alerts.telegram_help": (
        "봇 토큰(TELEGRAM_BOT_TOKEN)과 허용 채팅 ID(TELEGRAM_ALLOWED_CHAT_IDS)는 관리자가 .env에 설정합니다. "
        "텔레그램은 분당 약 20건으로 제한되어, 몰리는 알림은 한 메시지로 묶입니다.",
        "The bot token (TELEGRAM_BOT_TOKEN) and the allowed chat ids (TELEGRAM_ALLOWED_CHAT_IDS) are set by "
        "the admin in .env. Telegram allows about 20 messages a minute, so bursts are combined into one message.",
    ),
    "alerts.telegram_off": (
        "텔레그램 봇 토큰이 설정되지 않았습니다.",
        "No Telegram bot token is configured.",
    ),
    "alerts.price_alerts": ("가격 알림", "Price alerts"),
    "alerts.price_help": ("종목의 주문 화면에서 설정합니다.", "Set them on a stock's trade page."),
    "alerts.kind.above": ("가격 이상 돌파", "Crosses above"),
    "alerts.kind.below": ("가격 이하 돌파", "Crosses below"),
    "alerts.kind.move_pct": ("전일 대비 ±%", "± % from previous close"),
    "alerts.kind.top_n": ("거래대금 TOP N 진입", "Enters 거래대금 TOP N"),
    "alerts.st.active": ("대기", "Active"),
    "alerts.st.fired": ("발동", "Fired"),
    "alerts.ledger": ("전송 내역", "Delivery ledger"),
    "alerts.col_time": ("시각", "Time"),
    "alerts.col_event": ("이벤트", "Event"),
    "alerts.col_dest": ("대상", "Destination"),
    "alerts.col_status": ("상태", "Status"),
    "alerts.col_attempts": ("시도", "Attempts"),
    "alerts.col_error": ("오류", "Error"),
    "alerts.col_code": ("종목", "Stock"),
    "alerts.col_kind": ("조건", "Condition"),
    "alerts.col_value": ("값", "Value"),
    "alerts.dl.pending": ("대기", "Pending"),
    "alerts.dl.delivered": ("전송됨", "Delivered"),
    "alerts.dl.failed": ("실패", "Failed"),
    "alerts.pa_title": ("가격 알림", "Price alert"),
    "alerts.pa_value": ("값", "Value"),
    "alerts.pa_add": ("알림 추가", "Add alert"),
    "alerts.pa_added": ("가격 알림 #{id}을 추가했습니다.", "Price alert #{id} added."),
    "alerts.err.url": (
        "URL은 http(s)://로 시작해야 합니다 (최대 500자).",
        "The URL must start with http(s):// (500 characters at most).",
    ),
    "alerts.err.too_many": ("웹훅은 사용자당 10개까지입니다.", "At most 10 webhooks per user."),
    "alerts.err.chat_id": (
        "채팅 ID는 숫자입니다 (예: 123456789).",
        "A chat id is a number (e.g. 123456789).",
    ),
    "alerts.err.chat_not_allowed": (
        "허용되지 않은 채팅 ID입니다. 관리자가 TELEGRAM_ALLOWED_CHAT_IDS에 추가해야 합니다.",
        "This chat id is not allowed; the admin adds it to TELEGRAM_ALLOWED_CHAT_IDS.",
    ),
    "alerts.err.chat_dup": ("이미 추가된 채팅입니다.", "This chat is already added."),
    "alerts.err.no_destination": ("해당 대상이 없습니다.", "No such destination."),
    "alerts.err.mode": ("알 수 없는 설정입니다.", "Unknown setting."),
    "alerts.err.code": (
        "종목코드는 6자리입니다 (예: 005930).",
        "A stock code has 6 characters (e.g. 005930).",
    ),
    "alerts.err.kind": ("조건을 고르세요.", "Choose a condition."),
    "alerts.err.value_above": (
        "가격은 1원 이상의 정수입니다.",
        "The price is a whole number of won, at least 1.",
    ),
    "alerts.err.value_below": (
        "가격은 1원 이상의 정수입니다.",
        "The price is a whole number of won, at least 1.",
    ),
    "alerts.err.value_move_pct": (
        "변동률은 0보다 크고 30% 이하입니다.",
        "The move is more than 0 and at most 30 %.",
    ),
    "alerts.err.value_top_n": ("N은 1~100의 정수입니다.", "N is a whole number from 1 to 100."),
    "alerts.err.no_alert": ("해당 가격 알림이 없습니다.", "No such price alert."),
    "alerts.err.login": ("로그인이 필요합니다.", "Please log in."),
}
