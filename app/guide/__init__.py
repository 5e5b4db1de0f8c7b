"""The first-run tour (처음 오셨나요?) and the safe first trade.

``steps.py`` builds the tour for a user (the five things, then a one-share paper order from a report
pick, or a step that says why the order is skipped); ``card.py`` renders the shell's card and store;
``callbacks.py`` moves through it (progress in ``guide_progress`` via ``db/repositories/guide.py``) and
fills in the order panel; ``assets/guide.js`` highlights each step's target and places the card by it.
The order itself is placed by the user through the trade page's order panel (the gateway), never here.
"""
