"""Data access: DynamoDB items and S3 objects, behind small functions with domain names."""
