"""The simulated KRX market: stock master, model, simulator, clocks, demo history, service."""
