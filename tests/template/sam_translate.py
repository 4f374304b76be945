"""Prints template.yaml after the SAM transform, as JSON. Run with the .tools interpreter (it has SAM CLI).

Offline: local code paths are replaced with placeholder S3/ECR locations (as ``sam validate`` does) and the
managed-policy loader is a stub (the template names no managed policy by name).
"""

import json
import sys
from pathlib import Path

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main(path: Path) -> None:
    template = yaml_parse(path.read_text())
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image":
                props["ImageUri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/voice:latest"
            else:
                props["CodeUri"] = f"s3://placeholder/{name}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = f"s3://placeholder/{name}.zip"
    json.dump(transform(template, {}, _NoManagedPolicies()), sys.stdout)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
