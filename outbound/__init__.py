"""Outbound: the WeChat/WeCom client, outbox delivery, photo fetching and storage, the post-reply kick.

Used by the web edge, the scheduler, the dashboard and Open311; imports neither Flask nor `bot`.
"""
