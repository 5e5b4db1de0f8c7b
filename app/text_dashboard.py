"""UI text of the trading dashboard (ranking, trade, account, search): key → (Korean, English).

``td(key, **fmt)`` picks the language like ``app.i18n.t``. Kept apart from ``app.i18n.TEXT`` so the
dashboard can change without touching the shared table; the two can be merged later.
"""

from __future__ import annotations

from app.i18n import pick

TEXT: dict[str, tuple[str, str]] = {
    # ranking
    "rank.title": ("거래대금 실시간 랭킹", "Live ranking by trading value"),
    "rank.intro": (
        "지금 시장에서 거래대금이 가장 많은 종목입니다. 행을 누르면 주문 화면이 열립니다.",
        "The stocks with the largest trading value right now. Click a row to open its trade screen.",
    ),
    "rank.top": ("TOP {n}", "TOP {n}"),
    "rank.market": ("시장", "Market"),
    "rank.all": ("전체", "All"),
    "rank.sectors": ("섹터 선택 (여러 개)", "Sectors (multi-select)"),
    "rank.us_up": ("미국 연동 강세 섹터만", "US-linked up sectors only"),
    "rank.us_up_tip": (
        "{day} 아침 리포트에서 전일 미국 섹터가 올라 강세로 표시된 한국 섹터: {sectors}",
        "Korean sectors marked up in the {day} morning report (their US sectors rose overnight): {sectors}",
    ),
    "rank.us_up_none": (
        "아직 아침 섹터 리포트가 없어 사용할 수 없습니다",
        "Not available: there is no morning sector report yet",
    ),
    "rank.us_up_empty": ("리포트에 강세 섹터가 없습니다", "The report marks no sector up"),
    "rank.count": ("{n}개 종목 · {ms}ms마다 갱신", "{n} stocks · refreshed every {ms} ms"),
    "rank.unavailable": ("시세를 불러올 수 없습니다: {err}", "Market data unavailable: {err}"),
    "col.rank": ("순위", "Rank"),
    "col.name_code": ("종목명(코드)", "Name (code)"),
    "col.name": ("종목명", "Name"),
    "col.price": ("현재가", "Price"),
    "col.change": ("등락", "Change"),
    "col.change_pct": ("등락률", "Change %"),
    "col.value": ("거래대금", "Trading value"),
    "col.volume": ("거래량", "Volume"),
    "col.sector": ("섹터", "Sector"),
    # help (domain terms)
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
    # trade header
    "trade.title": ("{name} · 주문", "{name} · Trade"),
    "trade.unknown": ("존재하지 않는 종목코드입니다: {code}", "Unknown stock code: {code}"),
    "trade.volume": ("거래량", "Volume"),
    "trade.value": ("거래대금", "Value"),
    "trade.high": ("고가", "High"),
    "trade.low": ("저가", "Low"),
    "trade.open": ("시가", "Open"),
    "trade.limits": ("상한 {up} · 하한 {down}", "Upper {up} · lower {down}"),
    "trade.tick_age": ("체결 {age}", "Last trade {age}"),
    "trade.tick_age_none": ("체결 없음", "No trade yet"),
    "trade.sec_ago": ("{s:.1f}초 전", "{s:.1f}s ago"),
    # chart
    "chart.daily": ("일", "Day"),
    "chart.min": ("{n}분", "{n}m"),
    "chart.ma": ("이동평균", "Moving avg"),
    "chart.quarter": ("4등분 라인", "Quarter lines"),
    "chart.no_data": ("아직 봉 데이터가 없습니다", "No bars yet"),
    "ql.high": ("고가", "High"),
    "ql.q3": ("75%", "75%"),
    "ql.mid": ("50%", "50%"),
    "ql.q1": ("25%", "25%"),
    "ql.low": ("저가", "Low"),
    "ql.open": ("시가", "Open"),
    # order book
    "book.title": ("호가", "Order book"),
    "book.ask": ("매도잔량", "Ask qty"),
    "book.bid": ("매수잔량", "Bid qty"),
    "book.price": ("호가", "Price"),
    "book.total": ("총잔량", "Total"),
    "book.strength": ("체결강도", "Strength"),
    # order panel
    "order.title": ("주문", "Order"),
    "order.buy": ("매수", "Buy"),
    "order.sell": ("매도", "Sell"),
    "order.limit": ("지정가", "Limit"),
    "order.market": ("시장가", "Market"),
    "order.price": ("가격", "Price"),
    "order.qty": ("수량", "Quantity"),
    "order.orderable": ("주문가능 {amount} · 최대 {qty}", "Orderable {amount} · max {qty}"),
    "order.sellable": ("매도가능 {qty}", "Sellable {qty}"),
    "order.amount": ("주문금액", "Amount"),
    "order.commission": ("수수료", "Commission"),
    "order.tax": ("세금", "Tax"),
    "order.total_buy": ("필요금액", "Cash needed"),
    "order.total_sell": ("예상 수령액", "Cash received"),
    "order.market_est": ("시장가는 현재가 {price} 기준 추정입니다", "Market orders are estimated at {price}"),
    "order.submit_buy": ("매수 주문", "Place buy"),
    "order.submit_sell": ("매도 주문", "Place sell"),
    "order.confirm_title": ("주문 확인", "Confirm order"),
    "order.confirm_live": (
        "실거래(LIVE) 주문입니다. 실제 돈이 움직입니다.",
        "This is a LIVE order. Real money moves.",
    ),
    "order.confirm_big": (
        "주문금액이 확인 기준({limit})을 넘습니다.",
        "The amount is above the confirmation threshold ({limit}).",
    ),
    "order.confirm_body": (
        "{name} {side} {type} {price} × {qty} = {amount}",
        "{name} {side} {type} {price} × {qty} = {amount}",
    ),
    "order.confirm_ok": ("주문 확인", "Place order"),
    "order.cancel": ("취소", "Cancel"),
    "order.placed": ("주문 접수: {side} {qty} @ {price}", "Order accepted: {side} {qty} @ {price}"),
    "order.rejected": ("주문 거부", "Order rejected"),
    "order.failed": ("주문 처리 실패", "Order failed"),
    "order.at_market": ("시장가", "market"),
    "order.pending_title": ("결과 확인 중", "Checking the outcome"),
    "order.pending": (
        "주문 결과 확인 중입니다. 재주문하지 마세요: 같은 주문을 다시 누르면 결과를 확인합니다",
        "Checking the order's outcome. Do not place it again: pressing the same order checks it",
    ),
    "order.resolved": ("주문 확인됨: {side} {qty} @ {price}", "Order confirmed: {side} {qty} @ {price}"),
    "order.viewer": ("조회 전용 사용자는 주문할 수 없습니다", "View-only users cannot place orders"),
    "order.no_account": (
        "주문할 계좌가 연결되어 있지 않습니다. 관리자에게 계좌 연결을 요청하세요",
        "No trading account is bound to you; ask an admin to bind one",
    ),
    "oo.confirm_live": (
        "실전 계좌의 정정입니다. 내용을 확인하고 정정 주문을 한 번 더 누르세요",
        "This modifies a real-money order. Check it and press Modify once more",
    ),
    # open orders / fills / position
    "oo.title": ("미체결", "Open orders"),
    "oo.none": ("미체결 주문이 없습니다", "No open orders"),
    "oo.modify": ("정정", "Modify"),
    "oo.cancel": ("취소", "Cancel"),
    "oo.cancelled": ("주문 취소: {id}", "Order cancelled: {id}"),
    "oo.modified": ("주문 정정: {id}", "Order modified: {id}"),
    "oo.modify_title": ("주문 정정", "Modify order"),
    "oo.modify_ok": ("정정 주문", "Modify"),
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
    "col.actions": ("", ""),
    "fills.title": ("오늘 체결", "Today's fills"),
    "fills.none": ("오늘 체결이 없습니다", "No fills today"),
    "fill.toast": ("체결: {name} {side} {qty} @ {price}", "Filled: {name} {side} {qty} @ {price}"),
    "fill.toast_title": ("체결", "Fill"),
    "pos.title": ("보유", "Position"),
    "pos.none": ("보유하지 않은 종목입니다", "Not held"),
    "pos.qty": ("보유수량", "Quantity"),
    "pos.avg": ("평균단가", "Avg price"),
    "pos.value": ("평가금액", "Value"),
    "pos.pnl": ("평가손익", "P&L"),
    "status.open": ("접수", "Open"),
    "status.partial": ("부분체결", "Partial"),
    "status.filled": ("체결", "Filled"),
    "status.cancelled": ("취소", "Cancelled"),
    "status.rejected": ("거부", "Rejected"),
    # account
    "acct.title": ("계좌", "Account"),
    "acct.cash": ("예수금", "Cash"),
    "acct.orderable": ("주문가능금액", "Orderable"),
    "acct.stock_value": ("주식 평가금액", "Stock value"),
    "acct.total": ("총 평가자산", "Total value"),
    "acct.pnl_today": ("오늘 손익", "P&L today"),
    "acct.pnl_total": ("총 평가손익", "Total P&L"),
    "acct.pnl_today_tip": (
        "오늘 손익: 보유 종목의 전일 종가 대비 변동 + 오늘 매매분의 체결가 대비 변동 − 오늘 수수료·세금.",
        "P&L today: holdings marked from yesterday's close, today's trades from their fill price, minus "
        "today's commission and tax.",
    ),
    "acct.positions": ("보유 종목", "Positions"),
    "acct.history": ("주문 내역", "Order history"),
    "acct.date": ("날짜", "Date"),
    "acct.session_day": ("오늘 장", "Current session"),
    "acct.code": ("종목코드", "Code"),
    "acct.side": ("구분", "Side"),
    "acct.status": ("상태", "Status"),
    "acct.any": ("전체", "All"),
    "acct.orders_count": ("{n}건", "{n} orders"),
    "acct.unavailable": ("계좌 정보를 불러올 수 없습니다: {err}", "Account data unavailable: {err}"),
    "col.avg_price": ("평균단가", "Avg price"),
    "col.eval": ("평가금액", "Value"),
    "col.pnl": ("평가손익", "P&L"),
    "col.pnl_pct": ("수익률", "Return"),
    # search
    "search.placeholder": ("종목 검색 (코드·이름·초성)", "Search (code, name, 초성)"),
    "search.none": ("검색 결과가 없습니다", "No matches"),
    # nav labels (for app.i18n when the lead registers them)
    "nav.ranking": ("랭킹", "Ranking"),
    "nav.account": ("계좌", "Account"),
}


def td(key: str, lang: str | None = None, **fmt: object) -> str:
    """The dashboard text for ``key`` in ``lang`` (default: the request's language)."""
    return pick(TEXT, key, lang, **fmt)
