"""Household waste sorting: knowledge base, matcher, replies, guides and quiz questions."""
