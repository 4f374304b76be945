"""Creates the data stores a template describes, through whatever boto3 clients it is given."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local_stack.template import StackSpec


def create_resources(client: Callable[[str], Any], spec: "StackSpec") -> None:
    """Create the template's tables (keys, indexes, TTL), buckets (CORS, lifecycle, encryption) and queues."""
    dynamodb = client("dynamodb")
    for table in spec.tables:
        dynamodb.create_table(**table.create_args)
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=table.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
        if table.point_in_time_recovery:
            dynamodb.update_continuous_backups(
                TableName=table.name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
    s3 = client("s3")
    for bucket in spec.buckets:
        s3.create_bucket(Bucket=bucket.name)
        if bucket.cors_rules:
            s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={"CORSRules": bucket.cors_rules})
        if bucket.lifecycle_rules:
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket.name, LifecycleConfiguration={"Rules": bucket.lifecycle_rules}
            )
        if bucket.encryption:
            s3.put_bucket_encryption(Bucket=bucket.name, ServerSideEncryptionConfiguration=bucket.encryption)
        if bucket.public_access_block:
            s3.put_public_access_block(Bucket=bucket.name, PublicAccessBlockConfiguration=bucket.public_access_block)
    sqs = client("sqs")
    for queue in spec.queues:
        sqs.create_queue(QueueName=queue.name, Attributes=queue.attributes)
