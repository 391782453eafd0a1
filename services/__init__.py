"""Use cases over the models: what the bot, the dashboard and the scheduler ask for."""
