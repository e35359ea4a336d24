"""Airbyte's standard connector tests (airbyte-cdk's DockerConnectorTestSuite) against the connector's image.

They run each scenario of acceptance-test-config.yml through `docker run IMAGE spec|check|discover|read`. Run by
test/image/image.test.ts, which builds the image, starts DynamoDB Local with the sample table, and runs pytest with
  -p airbyte_cdk.test.standard_tests.pytest_hooks --connector-image IMAGE
and SOURCE_DYNAMODB_CONNECTOR_ROOT naming a copy of the connector's test inputs (metadata.yaml,
acceptance-test-config.yml, integration_tests/) whose configs point at that DynamoDB Local.
"""

import os
from pathlib import Path

from airbyte_cdk.test.standard_tests.docker_base import DockerConnectorTestSuite


class TestSourceDynamodbImage(DockerConnectorTestSuite):
    @classmethod
    def get_connector_root_dir(cls) -> Path:
        root = os.environ.get("SOURCE_DYNAMODB_CONNECTOR_ROOT")
        return Path(root).absolute() if root else super().get_connector_root_dir()
