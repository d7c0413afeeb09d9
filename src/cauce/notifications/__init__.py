"""Notifications: what a user must know without watching the inbox (assigned to me, SLA about to
breach on my case, a crisis on my brand, an appeal to decide), in the app and by e-mail."""
