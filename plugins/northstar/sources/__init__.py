"""Source systems replayed from dunnhumby "The Complete Journey".

The replay writes what each operational system would hold by the end of a business day:
a CRM and a POS in SQLite, a product catalog as a CSV export and marketing deliveries as
JSON files. Extraction (`northstar.extract`) reads only these stores, never the parquet files.
"""
