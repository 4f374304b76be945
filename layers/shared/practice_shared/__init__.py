"""Code shared by the gateway, interview and voice functions (deployed as a Lambda layer)."""
