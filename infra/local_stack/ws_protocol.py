"""uvicorn's WebSocket protocol with API Gateway's size limits enforced on frames and on messages.

API Gateway closes a connection with 1009 (message too big) when one frame exceeds 32 KB or one message
(all frames of it together) exceeds 128 KB. uvicorn's ``websockets-sansio`` protocol parses frames with
websockets' Sans-I/O ``ServerProtocol``, whose ``max_size`` takes ``(max_message_size, max_fragment_size)``;
the parser refuses an oversized frame from its header, before reading its payload, and closes with 1009.
Compression (permessage-deflate) is off, as on API Gateway, so sizes on the wire are sizes of the data.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.server import ServerProtocol

MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024


class ApiGatewayWebSocketProtocol(WebSocketsSansIOProtocol):
    """``WebSocketsSansIOProtocol`` whose parser applies the frame and message limits."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.conn = ServerProtocol(
            extensions=[], max_size=(MAX_MESSAGE_BYTES, MAX_FRAME_BYTES), logger=self.conn.logger
        )
