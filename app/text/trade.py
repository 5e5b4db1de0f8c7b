"""/trade/<code>: header, chart and quarter lines, order book, order panel, open orders (정정/취소),
fills, position, toasts and order statuses (``status.*``, also on /account).

Namespaces: ``trade.*``, ``chart.*``, ``ql.*``, ``book.*``, ``order.*``, ``oo.*``, ``fills.*``, ``fill.*``,
``pos.*``, ``status.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # trade
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
    "trade.stale": ("지연 데이터", "Stale data"),
    "trade.loading": ("{code} 시세를 불러오는 중입니다", "Loading the quote of {code}"),
    "trade.retry": ("다시 시도", "Try again"),
    "trade.stale_hint": (
        "증권사 실시간 연결이 끊겨 마지막으로 받은 시세입니다. 다시 연결되면 자동으로 갱신됩니다.",
        "The broker's live connection is down: these are the last prices received. They update again "
        "once it reconnects.",
    ),
    "trade.sec_ago": ("{s:.1f}초 전", "{s:.1f}s ago"),
    # chart
    "chart.daily": ("일", "Day"),
    "chart.min": ("{n}분", "{n}m"),
    "chart.ma": ("이동평균", "Moving avg"),
    "chart.quarter": ("4등분 라인", "Quarter lines"),
    "chart.quarter_why": (
        "4등분 라인은 지금 가격이 오늘 움직인 범위(저가~고가)의 어디쯤인지 보여 줘, 눌림목 매수·분할 매도 가격을 정할 때 씁니다.",
        "The quarter lines show where the price stands in today's low–high range, to pick prices for buying a dip "
        "or selling in parts.",
    ),
    "chart.no_data": ("아직 봉 데이터가 없습니다", "No bars yet"),
    # ql
    "ql.high": ("고가", "High"),
    "ql.q3": ("75%", "75%"),
    "ql.mid": ("50%", "50%"),
    "ql.q1": ("25%", "25%"),
    "ql.low": ("저가", "Low"),
    "ql.open": ("시가", "Open"),
    # book
    "book.title": ("호가", "Order book"),
    "book.ask": ("매도잔량", "Ask qty"),
    "book.bid": ("매수잔량", "Bid qty"),
    "book.price": ("호가", "Price"),
    "book.total": ("총잔량", "Total"),
    "book.strength": ("체결강도", "Strength"),
    # order
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
    # oo
    "oo.confirm_live": (
        "실전 계좌의 정정입니다. 내용을 확인하고 정정 주문을 한 번 더 누르세요",
        "This modifies a real-money order. Check it and press Modify once more",
    ),
    "oo.title": ("미체결", "Open orders"),
    "oo.none": ("미체결 주문이 없습니다", "No open orders"),
    "oo.modify": ("정정", "Modify"),
    "oo.cancel": ("취소", "Cancel"),
    "oo.cancelled": ("주문 취소: {id}", "Order cancelled: {id}"),
    "oo.modified": ("주문 정정: {id}", "Order modified: {id}"),
    "oo.modify_title": ("주문 정정", "Modify order"),
    "oo.modify_ok": ("정정 주문", "Modify"),
    # fills
    "fills.title": ("오늘 체결", "Today's fills"),
    "fills.none": ("오늘 체결이 없습니다", "No fills today"),
    # fill
    "fill.toast": ("체결: {name} {side} {qty} @ {price}", "Filled: {name} {side} {qty} @ {price}"),
    "fill.toast_title": ("체결", "Fill"),
    # pos
    "pos.title": ("보유", "Position"),
    "pos.none": ("보유하지 않은 종목입니다", "Not held"),
    "pos.qty": ("보유수량", "Quantity"),
    "pos.avg": ("평균단가", "Avg price"),
    "pos.value": ("평가금액", "Value"),
    "pos.pnl": ("평가손익", "P&L"),
    # status
    "status.open": ("접수", "Open"),
    "status.partial": ("부분체결", "Partial"),
    "status.filled": ("체결", "Filled"),
    "status.cancelled": ("취소", "Cancelled"),
    "status.rejected": ("거부", "Rejected"),
}
