"""The first-run tour (처음 오셨나요?), the safe first trade and the navbar's help menu.

Namespaces: ``guide.*`` (the tour card and the help menu), ``tour.*`` (each step's title and text).
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # help menu (navbar)
    "guide.help": ("도움말", "Help"),
    "guide.restart": ("투어 다시 시작", "Restart the tour"),
    "guide.glossary": ("용어 사전", "Glossary"),
    # the card
    "guide.next": ("다음", "Next"),
    "guide.prev": ("이전", "Back"),
    "guide.skip": ("건너뛰기", "Skip"),
    "guide.start": ("투어 시작", "Start the tour"),
    "guide.later": ("나중에", "Not now"),
    "guide.finish": ("마치기", "Finish"),
    "guide.go": ("이 화면으로 이동", "Go to this page"),
    "guide.count": ("{n} / {total}", "{n} / {total}"),
    "guide.close": ("투어 닫기", "Close the tour"),
    "guide.ordered": ("주문했어요", "I placed it"),
    "guide.no_order_yet": (
        "아직 이 종목의 주문이 없습니다. 주문 패널의 「{submit}」 버튼을 눌러 주세요.",
        "There is no order for this stock yet. Press '{submit}' in the order panel.",
    ),
    "guide.backtest_link": ("{name} 백테스트 해보기 →", "Backtest {name} →"),
    # the offer
    "tour.welcome_title": ("처음 오셨나요?", "New here?"),
    "tour.welcome_body": (
        "2분 투어로 GSLTS의 다섯 가지를 둘러봅니다: 아침 리포트, 거래대금 랭킹, 한 화면 주문, 백테스트, "
        "모의투자. 마지막에는 가상 자금으로 1주 첫 주문을 함께 넣어 봅니다. 언제든 건너뛸 수 있고, "
        "도움말 메뉴에서 다시 시작할 수 있습니다.",
        "A two-minute tour of the five things GSLTS is for: the morning report, the trading-value ranking, "
        "one-page trading, backtests and paper trading. At the end you place a first one-share order with "
        "paper money. Skip it any time; the Help menu starts it again.",
    ),
    # the five things
    "tour.report_title": ("① 아침 섹터 리포트", "① The morning sector report"),
    "tour.report_body": (
        "매일 08:00, 어젯밤 미국 섹터 ETF의 움직임으로 오늘 한국에서 강할 섹터와 추천 종목을 고릅니다. "
        "추천 종목을 누르면 바로 주문 화면이 열립니다. 투자 권유가 아니라 공부의 출발점입니다.",
        "Every day at 08:00, last night's US sector ETFs pick the Korean sectors likely to be strong today, "
        "and stocks in them. A pick opens its trade page. A starting point for study, not advice.",
    ),
    "tour.ranking_title": ("② 거래대금 랭킹", "② The trading-value ranking"),
    "tour.ranking_body": (
        "오늘 돈이 가장 많이 몰린 종목 TOP 50/100입니다(거래대금 = 가격 × 거래량). 시장·섹터로 거르고, "
        "행을 누르면 그 종목의 주문 화면으로 갑니다.",
        "Today's TOP 50/100 stocks by trading value (price × volume): where the money is. Filter by "
        "market or sector; a row opens the stock's trade page.",
    ),
    "tour.trade_title": ("③ 한 화면 주문", "③ One-page trading"),
    "tour.trade_body": (
        "차트·호가·주문이 한 화면에 있습니다. 호가창의 가격을 누르면 그 가격이 주문 가격이 되고, "
        "오른쪽 패널의 「주문」을 누르면 끝입니다.",
        "Chart, order book and order panel on one page. Click a price in the book to make it the order "
        "price, then press 'Order' in the panel.",
    ),
    "tour.backtest_title": ("④ 백테스트", "④ Backtests"),
    "tour.backtest_body": (
        "전략을 과거 데이터로 돌려 봅니다: 종목·기간·전략을 고르고 「실행」. 수익률, 최대 낙폭(MDD), "
        "승률을 보고 실제 돈을 쓰기 전에 검증하세요.",
        "Run a strategy on past data: choose stocks, a period and a strategy, then Run. Check the return, "
        "the maximum drawdown (MDD) and the hit rate before risking money.",
    ),
    "tour.paper_title": ("⑤ 모의투자", "⑤ Paper trading"),
    "tour.paper_body": (
        "이 배지가 「모의」이면 모든 주문은 가상 자금으로 시뮬레이션 시장에서 체결됩니다. 실제 돈은 "
        "움직이지 않습니다. 계좌 화면에서 잔고·보유 종목·체결을 봅니다.",
        "While this badge says PAPER, every order fills in the simulated market with paper money; no real "
        "money moves. The Account page shows cash, positions and fills.",
    ),
    # the safe first trade
    "tour.pick_title": ("안전한 첫 거래 ① 추천 종목 열기", "A safe first trade ① Open a pick"),
    "tour.pick_body": (
        "아침 리포트의 추천 종목 {name}({code})으로 1주짜리 모의 주문을 넣어 봅니다. 「다음」을 누르면 "
        "이 종목의 주문 화면이 열립니다.",
        "Let's place a one-share paper order in {name} ({code}), a pick of the morning report. 'Next' "
        "opens its trade page.",
    ),
    "tour.pick_ranking_body": (
        "오늘 리포트 추천 종목이 없어 거래대금 1위 {name}({code})으로 1주짜리 모의 주문을 넣어 봅니다. "
        "「다음」을 누르면 이 종목의 주문 화면이 열립니다.",
        "There are no report picks today, so we use the ranking's number one, {name} ({code}), for a "
        "one-share paper order. 'Next' opens its trade page.",
    ),
    "tour.book_title": ("안전한 첫 거래 ② 호가 읽기", "A safe first trade ② Read the book"),
    "tour.book_body": (
        "위쪽은 팔려는 가격(매도호가), 아래쪽은 사려는 가격(매수호가)이고 옆의 숫자는 그 가격에 걸린 "
        "수량입니다. 매수호가에 사는 주문을 내면 바로 체결되지 않고 순서를 기다립니다.",
        "The upper half are the prices sellers ask, the lower half the prices buyers bid; the numbers "
        "beside them are the shares waiting there. A buy at the best bid does not fill at once: it waits "
        "its turn.",
    ),
    "tour.order_title": ("안전한 첫 거래 ③ 작은 지정가 주문", "A safe first trade ③ A small limit order"),
    "tour.order_body": (
        "주문 패널에 매수 · 지정가 · {price}원 · 1주를 채워 두었습니다(최우선 매수호가). 직접 확인하고 "
        "「{submit}」을 누른 뒤 「주문했어요」를 누르세요. 가상 자금이라 잃을 것이 없습니다.",
        "The order panel is filled in: buy, limit, {price} won (the best bid), 1 share. Check it, press "
        "'{submit}', then 'I placed it'. It is paper money: nothing to lose.",
    ),
    "tour.open_title": ("안전한 첫 거래 ④ 미체결 주문", "A safe first trade ④ Open orders"),
    "tour.open_body": (
        "주문이 여기 보입니다. 가격이 내려와 체결되면 체결 내역과 보유 종목으로 옮겨 가고, 「취소」를 "
        "누르면 주문이 없어집니다. 어느 쪽이든 괜찮습니다.",
        "Your order is listed here. If the price comes down to it, it fills and moves to fills and your "
        "position; 'Cancel' withdraws it. Either is fine.",
    ),
    "tour.no_trade_title": ("첫 주문은 건너뜁니다", "The first order is skipped"),
    "tour.no_trade_live": (
        "지금은 증권사 계좌({mode})에 연결되어 있어 가이드는 주문 단계를 건너뜁니다. 가이드의 첫 주문은 "
        "가상 자금(BROKER=paper)에서만 넣습니다.",
        "This deployment is connected to a broker account ({mode}), so the guide skips the order steps: "
        "its first order is only ever placed with paper money (BROKER=paper).",
    ),
    "tour.no_trade_viewer": (
        "조회 전용 사용자라 주문할 수 없어 가이드는 주문 단계를 건너뜁니다. 관리자에게 trader 권한을 "
        "요청하세요.",
        "You are a read-only user and cannot order, so the guide skips the order steps. Ask an admin for "
        "the trader role.",
    ),
    "tour.done_title": ("끝! 이제 검증해 보세요", "Done! Now test it"),
    "tour.done_body": (
        "리포트 → 호가 → 주문 → 미체결까지 한 바퀴 돌았습니다. 같은 종목을 과거 데이터로 백테스트해 "
        "보고, 용어가 낯설면 도움말 메뉴의 용어 사전을 여세요.",
        "You went from the report to the book, an order and open orders. Backtest the same stock on past "
        "data next; the Help menu has a glossary for unfamiliar terms.",
    ),
}
