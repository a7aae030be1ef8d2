"""Delivery of rendered reports to their recipients: email through Airflow's SMTP connection."""
