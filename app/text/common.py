"""Texts shared by several pages: app title, navbar, trading modes, login, table column headers,
help for domain terms (``term``/``help_icon``: ``help.<term>``) and the stock search.

Namespaces: ``app.*``, ``nav.*``, ``mode.*``, ``login.*``, ``col.*``, ``common.*``, ``page.*``, ``help.*``,
``search.*``, ``recorder.*`` (the recorder's health on /admin/status and the navbar badge).
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # app
    "app.title": ("GSLTS 글로벌 섹터 연동 트레이딩", "GSLTS Global Sector Linked Trading"),
    # recorder: what the tick writer waits for, its bounds and dead letters (/admin/status, badge)
    "recorder.dep_redis": ("Redis", "Redis"),
    "recorder.dep_database": ("데이터베이스", "the database"),
    "recorder.waiting_for": ("대기 대상", "Waiting for"),
    "recorder.waiting_none": ("없음", "nothing"),
    "recorder.waiting_badge": ("{what} 대기", "waiting: {what}"),
    "recorder.waiting_title": (
        "recorder: {what} 연결을 기다리는 중입니다 (틱은 버퍼에 쌓이고 연결되면 기록됩니다)",
        "recorder: waiting for {what} (ticks are buffered and written once it answers)",
    ),
    "recorder.dead_letters": ("거부된 행 (tick_dead_letters)", "Refused rows (tick_dead_letters)"),
    "recorder.restarts": ("기록기 재시작", "Writer restarts"),
    "recorder.overflow": ("디스크 스풀 적재량", "Disk spool backlog"),
    "recorder.spilling": ("디스크 스풀로 넘기는 중", "Spilling to the disk spool"),
    "recorder.yes": ("예", "yes"),
    "recorder.no": ("아니오", "no"),
    # nav
    "nav.ranking": ("랭킹", "Ranking"),
    "nav.report": ("섹터 리포트", "Sector report"),
    "nav.account": ("계좌", "Account"),
    "nav.stocks": ("종목", "Stocks"),
    "nav.backtest": ("백테스트", "Backtest"),
    "nav.sectors": ("섹터 매핑", "Sector map"),
    "nav.logout": ("로그아웃", "Log out"),
    "nav.theme": ("테마", "Theme"),
    # mode
    "mode.paper": ("모의(PAPER)", "PAPER"),
    "mode.mock": ("모의투자", "Broker mock"),
    "mode.blocked": ("실전 차단", "Real: blocked"),
    "mode.live": ("실전(LIVE)", "LIVE"),
    "mode.paper_tip": (
        "가상 시장의 모의 계좌입니다. 실제 돈이 움직이지 않습니다",
        "A paper account on the simulated market: no real money moves",
    ),
    "mode.mock_tip": (
        "증권사 모의투자 서버입니다. 실제 돈이 움직이지 않습니다",
        "The broker's mock-trading server: no real money moves",
    ),
    "mode.blocked_tip": (
        "실전 계좌가 연결되어 있지만 LIVE_TRADING=false라 모든 주문이 차단됩니다",
        "A real account is connected, but LIVE_TRADING=false blocks every order",
    ),
    "mode.live_tip": (
        "실전 계좌입니다. 주문은 실제 돈으로 체결되며 매 주문마다 확인을 거칩니다",
        "A real account: orders move real money and each one asks for confirmation",
    ),
    # login
    "login.title": ("로그인", "Log in"),
    "login.username": ("아이디", "Username"),
    "login.password": ("비밀번호", "Password"),
    "login.submit": ("로그인", "Log in"),
    "login.failed": ("아이디 또는 비밀번호가 올바르지 않습니다", "Wrong username or password"),
    "login.locked": (
        "로그인 시도가 너무 많습니다. {minutes}분 후 다시 시도하세요",
        "Too many login attempts. Try again in {minutes} min",
    ),
    # col
    "col.code": ("코드", "Code"),
    "col.name": ("종목명", "Name"),
    "col.name_en": ("영문명", "English name"),
    "col.market": ("시장", "Market"),
    "col.sector": ("섹터", "Sector"),
    "col.industry": ("업종(WICS)", "Industry (WICS)"),
    "col.etf": ("연동 ETF", "Linked ETF"),
    "col.listed": ("상장일", "Listed"),
    "col.weight": ("가중치", "Weight"),
    "col.enabled": ("사용", "Enabled"),
    "col.stocks": ("종목 수", "Stocks"),
    "col.rank": ("순위", "Rank"),
    "col.name_code": ("종목명(코드)", "Name (code)"),
    "col.price": ("현재가", "Price"),
    "col.change": ("등락", "Change"),
    "col.change_pct": ("등락률", "Change %"),
    "col.value": ("거래대금", "Trading value"),
    "col.volume": ("거래량", "Volume"),
    "col.time": ("시간", "Time"),
    "col.side": ("구분", "Side"),
    "col.type": ("유형", "Type"),
    "col.order_price": ("주문가", "Price"),
    "col.qty": ("수량", "Qty"),
    "col.filled": ("체결", "Filled"),
    "col.remaining": ("잔량", "Left"),
    "col.status": ("상태", "Status"),
    "col.fill_price": ("체결가", "Fill price"),
    "col.order_id": ("주문번호", "Order no."),
    "col.avg_price": ("평균단가", "Avg price"),
    "col.eval": ("평가금액", "Value"),
    "col.pnl": ("평가손익", "P&L"),
    "col.pnl_pct": ("수익률", "Return"),
    # common
    "common.yes": ("예", "yes"),
    "common.no": ("아니오", "no"),
    # page
    "page.not_found": ("페이지를 찾을 수 없습니다", "Page not found"),
    # help
    "help.value": (
        "거래대금: 오늘 체결된 가격 × 수량의 합계(원). 클수록 사고팔기 쉬운(유동성이 큰) 종목입니다.",
        "Trading value: the sum of price × quantity traded today (won). Larger means easier to trade.",
    ),
    "help.book": (
        "호가: 지금 사려는(매수) 사람과 팔려는(매도) 사람이 내놓은 가격과 수량입니다. 가격을 누르면 주문가격으로 들어갑니다.",
        "Order book: the prices and quantities buyers (bid) and sellers (ask) are waiting at. Click a price to use it.",
    ),
    "help.strength": (
        "체결강도: 매수 체결량 ÷ 매도 체결량 × 100. 100보다 크면 사려는 힘이 더 강합니다.",
        "Trade strength: buy volume ÷ sell volume × 100. Above 100 buyers are more aggressive.",
    ),
    "help.quarter": (
        "4등분 라인: 오늘 고가와 저가 사이를 4등분한 가격(75%·50%·25%)과 시가입니다. 가격을 누르면 주문가격으로 들어갑니다.",
        "Quarter lines: today's high-low range split in four (75%, 50%, 25%) plus the open. Click one to use it.",
    ),
    "help.order_type": (
        "지정가: 정한 가격이나 더 유리한 가격에만 체결됩니다. 시장가: 가격을 정하지 않고 지금 있는 호가로 즉시 체결됩니다.",
        "Limit: fills only at your price or better. Market: fills now at the prices in the book.",
    ),
    "help.costs": (
        "수수료: 증권사에 내는 거래 비용(매수·매도 모두). 세금: 매도할 때만 붙는 증권거래세(+농특세, 시장·연도별 세율).",
        "Commission: the broker's fee on every buy and sell. Tax: securities transaction tax on sells only "
        "(rate by market and year).",
    ),
    "help.tick_age": (
        "마지막 체결 후 지난 시간입니다. 5초가 넘으면 노란색, 30초가 넘으면 빨간색으로 시세가 멈췄을 수 있음을 알립니다.",
        "Time since the last trade. Amber after 5 s and red after 30 s: the feed may be stale.",
    ),
    "help.orderable": (
        "주문가능금액: 예수금에서 미체결 매수주문에 묶인 금액을 뺀 금액입니다.",
        "Orderable: cash minus what open buy orders reserve.",
    ),
    # the demo market's clock in the navbar (app/components/market_clock.py)
    "clock.tip": (
        "데모 시장의 시각과 속도(×1 = 실제 시간과 같은 속도)",
        "The demo market's time and speed (×1 = real time)",
    ),
    "clock.label": ("데모 {time} ×{speed}", "Demo {time} ×{speed}"),
    "clock.speed_header": ("시장 속도 (관리자)", "Market speed (admin)"),
    # search
    "search.placeholder": ("종목 검색 (코드·이름·초성)", "Search (code, name, 초성)"),
    "search.none": ("검색 결과가 없습니다", "No matches"),
}
