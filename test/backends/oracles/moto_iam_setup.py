"""Creates, through boto3 in moto's unauthenticated start window, a secret and an IAM user that has
no policy at all; prints the user's access key as JSON (test credentials of the emulator only)."""
import json
import os
import sys

import boto3

endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
boto3.client("secretsmanager", **kw).create_secret(Name="locked", SecretString=sys.stdin.read())
iam = boto3.client("iam", **kw)
iam.create_user(UserName="dev")
key = iam.create_access_key(UserName="dev")["AccessKey"]
sys.stdout.write(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
