"""Texts of the glossary (/glossary, 용어 사전): every domain term the UI uses, a plain explanation and an
example with real numbers. The examples' prices, ticks, limits, commissions and taxes follow the KRX rules
in ``trading/krx`` (2026-12-01, KOSPI); ``tests/app/test_glossary.py`` recomputes them.

Namespaces: ``glossary.*`` (the page), ``term.<entry>.name|body|example`` (one per entry of ``ENTRIES``).
"""

from __future__ import annotations

# The entries in the order the page lists them (an entry id is the page's anchor: /glossary#<id>).
ENTRIES: tuple[str, ...] = (
    "trading_value",
    "book",
    "strength",
    "quarter_lines",
    "order_type",
    "price_limits",
    "tick_size",
    "vi",
    "costs",
    "cash",
    "avg_price",
    "stop_take",
    "return",
    "cagr",
    "mdd",
    "sharpe",
    "win_rate",
    "profit_factor",
    "slippage",
    "paper_live",
    "tick_age",
)

TEXT: dict[str, tuple[str, str]] = {
    "glossary.title": ("용어 사전", "Glossary"),
    "glossary.intro": (
        "화면에 나오는 주식 용어를 쉬운 말과 실제 숫자 예시로 풀었습니다. ⓘ를 누르면 이 페이지의 해당 용어로 옵니다.",
        "The terms the screens use, in plain words with an example in real numbers. Every ⓘ links here.",
    ),
    "glossary.example": ("예시", "Example"),
    "glossary.index": ("목차", "Contents"),
    # 거래대금
    "term.trading_value.name": ("거래대금", "Trading value (거래대금)"),
    "term.trading_value.body": (
        "오늘 체결된 거래의 가격 × 수량을 모두 더한 금액입니다. 거래대금이 큰 종목은 사고파는 사람이 많아 원하는 가격에 "
        "주문이 잘 체결됩니다(유동성이 큽니다). 랭킹 화면은 이 순서로 종목을 보여 줍니다.",
        "The sum of price × quantity of every trade today. A stock with a large trading value has many buyers "
        "and sellers, so orders fill easily (high liquidity). The ranking lists stocks in this order.",
    ),
    "term.trading_value.example": (
        "55,700원에 1,000주, 55,800원에 2,000주가 체결되면 거래대금은 55,700,000 + 111,600,000 = 167,300,000원"
        "(약 1억 6,730만원)입니다.",
        "1,000 shares at 55,700 won and 2,000 at 55,800 won: 55,700,000 + 111,600,000 = 167,300,000 won.",
    ),
    # 호가
    "term.book.name": ("호가 (매수·매도 호가)", "Order book (호가)"),
    "term.book.body": (
        "지금 사려는 사람(매수)과 팔려는 사람(매도)이 내놓은 가격과 수량입니다. 가장 싼 매도호가에 사면 바로 체결되고, "
        "그보다 낮게 사려면 기다려야 합니다. 거래 화면에서 호가의 가격을 누르면 주문가격으로 들어갑니다.",
        "The prices and quantities buyers (bids) and sellers (asks) are waiting at. Buying at the lowest ask "
        "fills at once; a lower price waits. Click a price on the trade page to use it.",
    ),
    "term.book.example": (
        "매도 1호가 55,800원 / 매수 1호가 55,700원이면, 지금 바로 사면 55,800원, 바로 팔면 55,700원에 체결됩니다. "
        "두 가격의 차이(100원)가 호가 스프레드입니다.",
        "Best ask 55,800 won / best bid 55,700 won: buying now pays 55,800, selling now gets 55,700. "
        "The 100-won gap is the spread.",
    ),
    # 체결강도
    "term.strength.name": ("체결강도", "Trade strength (체결강도)"),
    "term.strength.body": (
        "매수 체결량 ÷ 매도 체결량 × 100입니다. 100보다 크면 사려는 쪽이 더 적극적으로(매도호가에) 샀다는 뜻이고, "
        "100보다 작으면 파는 쪽이 더 적극적입니다. 방향을 보장하지는 않습니다.",
        "Buy volume ÷ sell volume × 100. Above 100, buyers were the more aggressive side (they paid the ask); "
        "below 100, sellers were. It does not guarantee the direction.",
    ),
    "term.strength.example": (
        "오늘 매수 체결 120,000주, 매도 체결 100,000주이면 체결강도는 120,000 ÷ 100,000 × 100 = 120입니다.",
        "120,000 shares bought at the ask and 100,000 sold at the bid: 120,000 ÷ 100,000 × 100 = 120.",
    ),
    # 4등분 라인
    "term.quarter_lines.name": ("4등분 라인", "Quarter lines (4등분 라인)"),
    "term.quarter_lines.body": (
        "오늘의 고가와 저가 사이를 4등분한 가격(75%·50%·25%)과 시가입니다. 지금 가격이 오늘 움직인 범위의 어디쯤인지 "
        "한눈에 보고, 눌림목 매수나 분할 매도 가격을 정할 때 씁니다.",
        "Today's high-low range split in four (75%, 50%, 25%) plus the open: where the price stands in today's "
        "range, used to pick prices for buying a dip or selling in parts.",
    ),
    "term.quarter_lines.example": (
        "고가 60,000원, 저가 52,000원이면 범위는 8,000원이고 75% 라인 58,000원, 50% 라인 56,000원, "
        "25% 라인 54,000원입니다.",
        "High 60,000, low 52,000: the range is 8,000 won; the 75% line is 58,000, 50% 56,000, 25% 54,000.",
    ),
    # 지정가/시장가
    "term.order_type.name": ("지정가 / 시장가", "Limit / market order"),
    "term.order_type.body": (
        "지정가 주문은 정한 가격이나 그보다 유리한 가격에만 체결됩니다(안 맞으면 기다립니다). 시장가 주문은 가격을 정하지 "
        "않고 지금 있는 호가로 즉시 체결되지만, 호가가 얇으면 생각보다 불리한 가격에 체결될 수 있습니다.",
        "A limit order fills only at your price or better (else it waits). A market order fills now at the "
        "prices in the book, which can be worse than expected when the book is thin.",
    ),
    "term.order_type.example": (
        "매도 1호가 55,800원일 때 55,500원 지정가 매수는 가격이 55,500원까지 내려와야 체결됩니다. 시장가로 10주를 사면 "
        "55,800원(그 호가의 수량이 모자라면 다음 호가 55,900원까지)에 바로 체결됩니다.",
        "With the best ask at 55,800, a limit buy at 55,500 waits until the price comes down to 55,500; a "
        "market buy of 10 shares fills now at 55,800 (55,900 for what the first level lacks).",
    ),
    # 상한가/하한가
    "term.price_limits.name": ("상한가 / 하한가", "Upper / lower price limit"),
    "term.price_limits.body": (
        "하루에 오르내릴 수 있는 한계 가격으로, 전일 종가의 ±30%입니다(호가단위에 맞춰 자릅니다). 그 밖의 가격으로는 "
        "주문할 수 없습니다.",
        "The day's price limits: the previous close ± 30% (cut to the tick grid). Orders outside them are refused.",
    ),
    "term.price_limits.example": (
        "전일 종가 55,700원인 코스피 종목의 상한가는 72,400원, 하한가는 39,000원입니다.",
        "A KOSPI stock that closed at 55,700 won yesterday: upper limit 72,400 won, lower limit 39,000 won.",
    ),
    # 호가단위
    "term.tick_size.name": ("호가단위", "Tick size (호가단위)"),
    "term.tick_size.body": (
        "주문 가격이 움직일 수 있는 최소 단위로, 가격대마다 다릅니다(2023년부터 코스피·코스닥 같은 표). 단위에 맞지 않는 "
        "가격은 주문할 수 없습니다.",
        "The smallest step an order price can move, by price band (one table for KOSPI and KOSDAQ since 2023). "
        "A price off the grid is refused.",
    ),
    "term.tick_size.example": (
        "4,990원짜리 주식은 5원 단위(4,985원·4,995원), 55,700원짜리는 100원 단위, 250,000원짜리는 500원 단위로 "
        "주문합니다. 55,750원 주문은 호가단위에 맞지 않아 거부됩니다.",
        "A 4,990-won stock moves in 5 won (4,985, 4,995), a 55,700-won stock in 100 won, a 250,000-won stock "
        "in 500 won. An order at 55,750 won is off the grid and refused.",
    ),
    # VI
    "term.vi.name": ("VI (변동성 완화장치)", "VI (volatility interruption)"),
    "term.vi.body": (
        "가격이 한 번에 너무 크게 움직이면 거래소가 2분 동안 단일가 매매로 바꿔 열을 식히는 장치입니다. 직전 체결가에서 "
        "급변하면 동적 VI, 전일 종가 등 기준가에서 10% 이상 움직이면 정적 VI가 걸립니다. 이 데모 시장은 VI를 "
        "흉내 내지 않습니다.",
        "When a price jumps too far at once, the exchange switches the stock to a 2-minute single-price "
        "auction. A sudden move from the last trade triggers a dynamic VI; 10% from the reference price a "
        "static VI. The demo market does not simulate VIs.",
    ),
    "term.vi.example": (
        "기준가 55,700원인 종목이 61,300원(+10.1%)에 체결되려 하면 정적 VI가 발동해 2분간 단일가로 거래됩니다.",
        "A stock with a 55,700-won reference price about to trade at 61,300 (+10.1%) triggers a static VI: two "
        "minutes of single-price auction.",
    ),
    # 수수료/세금
    "term.costs.name": ("수수료 / 세금", "Commission / tax"),
    "term.costs.body": (
        "수수료는 증권사에 내는 비용으로 살 때와 팔 때 모두 붙습니다(원 미만은 버림). 세금(증권거래세 + 농어촌특별세)은 팔 "
        "때만 붙고, 세율은 시장과 결제일이 속한 해에 따라 다릅니다(2026년 코스피 0.05% + 농특세 0.15%, 코스닥 0.20%).",
        "The commission is the broker's fee on buys and sells (won fractions dropped). The tax (securities "
        "transaction tax + rural tax) is on sells only, by market and settlement year (2026: KOSPI 0.05% + "
        "0.15% rural tax, KOSDAQ 0.20%).",
    ),
    "term.costs.example": (
        "코스피 종목 10주를 55,700원에 팔면 금액 557,000원, 수수료(0.015%) 83원, 세금 1,113원(거래세 278원 + "
        "농특세 835원)으로 받는 돈은 555,804원입니다.",
        "Selling 10 KOSPI shares at 55,700 won: 557,000 won, commission (0.015%) 83 won, tax 1,113 won "
        "(278 transaction tax + 835 rural tax); you receive 555,804 won.",
    ),
    # 예수금/주문가능금액
    "term.cash.name": ("예수금 / 주문가능금액", "Cash / orderable amount"),
    "term.cash.body": (
        "예수금은 계좌에 있는 현금입니다. 주문가능금액은 예수금에서 아직 체결되지 않은 매수 주문에 묶인 금액(수수료 포함)을 "
        "뺀 것으로, 지금 새로 살 수 있는 한도입니다.",
        "Cash is the money in the account. The orderable amount is cash minus what open buy orders reserve "
        "(commission included): what you can spend on a new buy now.",
    ),
    "term.cash.example": (
        "예수금 1,000,000원에서 55,700원 × 10주 지정가 매수(557,000원 + 수수료 83원)가 미체결이면 주문가능금액은 "
        "442,917원입니다.",
        "Cash 1,000,000 won with an open limit buy of 10 × 55,700 (557,000 + 83 commission): orderable "
        "442,917 won.",
    ),
    # 평균단가
    "term.avg_price.name": ("평균단가", "Average price"),
    "term.avg_price.body": (
        "여러 번 나눠 산 주식의 1주당 평균 매입 가격입니다. 수익률과 평가손익은 이 가격을 기준으로 계산합니다.",
        "The average purchase price per share over several buys; returns and P&L are measured from it.",
    ),
    "term.avg_price.example": (
        "55,700원에 10주, 53,700원에 10주를 사면 평균단가는 (557,000 + 537,000) ÷ 20 = 54,700원입니다.",
        "10 shares at 55,700 and 10 at 53,700: (557,000 + 537,000) ÷ 20 = 54,700 won.",
    ),
    # 손절/익절
    "term.stop_take.name": ("손절 / 익절", "Stop-loss / take-profit"),
    "term.stop_take.body": (
        "손절은 손실이 정한 만큼 커지면 팔아서 더 큰 손실을 막는 것, 익절은 이익이 정한 만큼 나면 팔아서 이익을 확정하는 "
        "것입니다. 미리 정해 두면 감정에 휘둘리지 않습니다.",
        "A stop-loss sells when the loss reaches a set size, to stop a bigger one; a take-profit sells when the "
        "gain reaches a set size, to lock it in. Deciding in advance keeps emotions out.",
    ),
    "term.stop_take.example": (
        "평균단가 54,700원에 손절 −5%, 익절 +10%를 정하면 51,965원 이하에서 손절, 60,170원 이상에서 익절합니다"
        "(실제 주문은 호가단위에 맞춰 51,900원·60,200원).",
        "Average price 54,700 with a −5% stop and a +10% target: stop at 51,965 or below, take profit at 60,170 "
        "or above (orders on the grid: 51,900 and 60,200).",
    ),
    # 수익률
    "term.return.name": ("수익률", "Return"),
    "term.return.body": (
        "처음 넣은 돈에 비해 얼마나 늘었는지(줄었는지)를 %로 나타낸 것입니다. 비용(수수료·세금)을 뺀 뒤의 값이 실제 "
        "수익률입니다.",
        "How much the money grew (or shrank) relative to what was put in, in percent; the real return is after "
        "costs (commission and tax).",
    ),
    "term.return.example": (
        "10,000,000원이 12,500,000원이 되면 수익률은 (12,500,000 − 10,000,000) ÷ 10,000,000 = +25%입니다.",
        "10,000,000 won growing to 12,500,000 won: (12,500,000 − 10,000,000) ÷ 10,000,000 = +25%.",
    ),
    # CAGR
    "term.cagr.name": ("CAGR (연평균 수익률)", "CAGR (compound annual growth)"),
    "term.cagr.body": (
        "기간이 다른 결과를 비교할 수 있도록 수익률을 '매년 같은 비율로 늘었다면 몇 %인가'로 바꾼 값입니다.",
        "The return restated as 'the same rate every year', so results over different periods compare.",
    ),
    "term.cagr.example": (
        "2년 동안 +21%였다면 CAGR은 √1.21 − 1 = +10%입니다(1.10 × 1.10 = 1.21).",
        "+21% over two years is a CAGR of √1.21 − 1 = +10% (1.10 × 1.10 = 1.21).",
    ),
    # MDD
    "term.mdd.name": ("MDD (최대 낙폭)", "MDD (maximum drawdown)"),
    "term.mdd.body": (
        "자산이 가장 높았던 때에서 가장 많이 떨어졌던 비율입니다. 그 전략을 따랐다면 견뎌야 했던 최악의 순간을 보여 줍니다. "
        "작을수록(0에 가까울수록) 마음 편한 전략입니다.",
        "The largest fall from a peak of the equity: the worst moment you would have had to sit through. The "
        "closer to 0, the calmer the strategy.",
    ),
    "term.mdd.example": (
        "자산이 15,000,000원까지 올랐다가 10,000,000원까지 내려갔다면 MDD는 −33.3%로, 최악의 순간에 자산이 1/3 "
        "줄었습니다.",
        "Equity peaking at 15,000,000 won and falling to 10,000,000: an MDD of −33.3% — at the worst moment a "
        "third of the money was gone.",
    ),
    # 샤프
    "term.sharpe.name": ("샤프 지수", "Sharpe ratio"),
    "term.sharpe.body": (
        "수익을 위험(수익률의 흔들림)으로 나눈 값입니다. 같은 수익이라면 덜 흔들린 쪽이 높습니다. 보통 1 이상이면 양호, "
        "2 이상이면 매우 좋고, 0보다 작으면 위험만 지고 손해를 본 것입니다.",
        "Return divided by risk (how much returns swing). For the same return, the steadier one scores higher. "
        "Above 1 is good, above 2 very good; below 0 means risk taken for a loss.",
    ),
    "term.sharpe.example": (
        "연 수익률 12%, 연 변동성 10%(무위험 수익률 0으로 볼 때)이면 샤프 지수는 12 ÷ 10 = 1.2입니다.",
        "12% a year with 10% annual volatility (risk-free rate taken as 0): Sharpe = 12 ÷ 10 = 1.2.",
    ),
    # 승률
    "term.win_rate.name": ("승률", "Win rate"),
    "term.win_rate.body": (
        "끝난 거래 중 이익을 낸 거래의 비율입니다. 승률만으로는 부족합니다: 이길 때 조금 벌고 질 때 크게 잃으면 승률이 "
        "높아도 손해입니다. 손익비와 함께 보세요.",
        "The share of closed trades that made money. Not enough alone: small wins and big losses lose money at "
        "a high win rate. Read it with the profit/loss ratio.",
    ),
    "term.win_rate.example": (
        "20번 거래해 11번 이익이면 승률은 11 ÷ 20 = 55%입니다. 동전 던지기(50%)보다 조금 나은 정도이며, 거래 수가 "
        "적으면 우연일 수 있습니다.",
        "11 winners out of 20 trades: 11 ÷ 20 = 55% — a little better than a coin toss (50%), and with few "
        "trades it may be luck.",
    ),
    # 손익비
    "term.profit_factor.name": ("손익비", "Profit/loss ratio"),
    "term.profit_factor.body": (
        "이긴 거래의 평균 이익 ÷ 진 거래의 평균 손실입니다. 1보다 크면 한 번 이길 때 한 번 질 때보다 더 법니다. 승률이 "
        "낮아도 손익비가 크면 이익이 날 수 있습니다.",
        "The average win ÷ the average loss. Above 1, a win earns more than a loss costs; a high ratio can make "
        "money even at a low win rate.",
    ),
    "term.profit_factor.example": (
        "평균 이익 300,000원, 평균 손실 150,000원이면 손익비는 2.0입니다. 승률 40%여도 10번 중 4 × 300,000 − "
        "6 × 150,000 = +300,000원입니다.",
        "Average win 300,000 won, average loss 150,000: a ratio of 2.0. At a 40% win rate, 10 trades make "
        "4 × 300,000 − 6 × 150,000 = +300,000 won.",
    ),
    # 슬리피지
    "term.slippage.name": ("슬리피지", "Slippage"),
    "term.slippage.body": (
        "주문하려던 가격과 실제 체결된 가격의 차이입니다. 시장가 주문이나 호가가 얇은 종목에서 커집니다. 백테스트에서는 "
        "호가단위 몇 칸만큼 불리하게 체결된다고 가정해 반영합니다.",
        "The gap between the price you meant and the price you got; larger for market orders and thin books. "
        "Backtests assume fills a few ticks worse.",
    ),
    "term.slippage.example": (
        "55,700원에 사려 했는데 55,800원에 체결되면 슬리피지는 1틱(100원)이고, 10주면 1,000원 더 낸 것입니다.",
        "Meaning to buy at 55,700 and filling at 55,800 is one tick (100 won) of slippage: 1,000 won more on "
        "10 shares.",
    ),
    # 모의/실전
    "term.paper_live.name": ("모의 / 실전", "Paper / live"),
    "term.paper_live.body": (
        "모의(PAPER)는 가상의 돈으로 시뮬레이션 시장에서 연습하는 것이고, 모의투자는 증권사의 모의 계좌입니다. 실전(LIVE)은 "
        "진짜 돈으로 실제 계좌에서 주문합니다. 화면 위쪽의 배지가 지금 어느 쪽인지 항상 보여 줍니다.",
        "Paper is practice with play money on the simulated market; a broker's 모의투자 is its mock account. "
        "Live orders use real money in a real account. The badge at the top always says which.",
    ),
    "term.paper_live.example": (
        "모의 계좌는 100,000,000원으로 시작합니다. 여기서 55,700원 × 10주를 사도 실제 돈은 움직이지 않습니다.",
        "A paper account starts with 100,000,000 won; buying 10 × 55,700 there moves no real money.",
    ),
    # 체결 경과
    "term.tick_age.name": ("마지막 체결 경과", "Time since the last trade"),
    "term.tick_age.body": (
        "마지막 체결 후 지난 시간입니다. 5초가 넘으면 노란색, 30초가 넘으면 빨간색으로 표시해 시세가 멈췄을 수 있음을 "
        "알립니다. 거래가 드문 종목은 원래 길 수 있습니다.",
        "Time since the last trade: amber after 5 s and red after 30 s, warning the feed may have stopped. "
        "Thinly traded stocks can be quiet anyway.",
    ),
    "term.tick_age.example": (
        "마지막 체결이 10:30:00이고 지금이 10:30:12이면 12초로 노란색입니다.",
        "Last trade at 10:30:00, now 10:30:12: 12 s, shown in amber.",
    ),
}
