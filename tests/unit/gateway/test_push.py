"""Pushing messages to WebSocket clients when API Gateway's @connections API fails (its client is replaced by one
that refuses: moto does not emulate the management API)."""

from botocore.exceptions import ClientError

from gateway import push


def test_a_push_that_api_gateway_refuses_is_counted_and_the_work_goes_on(monkeypatch, caplog) -> None:
    """Only the push is lost (the client catches up when it rejoins or reads the session), not the job sending it."""

    class Refusing:
        class exceptions:  # the shape of a boto3 client's
            GoneException = type("GoneException", (ClientError,), {})

        def post_to_connection(self, **_):
            raise ClientError({"Error": {"Code": "LimitExceededException", "Message": "slow down"}}, "PostToConnection")

    monkeypatch.setattr(push, "client", lambda service: Refusing())
    metrics = []
    monkeypatch.setattr(push.metrics, "add_metric", lambda **metric: metrics.append(metric["name"]))
    assert push.send("c1", {"type": "ack", "seq": 0}) is False
    assert metrics == ["PushFailed"]
    logged = [getattr(r, "code", None) for r in caplog.records if r.message == "Push failed"]
    assert logged == ["LimitExceededException"]
