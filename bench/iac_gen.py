"""Generate a realistic multi-module, multi-cloud Terraform repository (terragoat-sized at scale 1).

Each "stack" has AWS, Azure and GCP modules of 3-4 files each with the usual mix of sound and
misconfigured resources, plus environment roots that call the modules. `scale` multiplies the
number of stacks, so scale 10 is ten times the files, resources and findings.
"""

from __future__ import annotations

import sys
from pathlib import Path

AWS = {
    "s3": """resource "aws_s3_bucket" "{n}" {{
  bucket = "${{var.prefix}}-{n}"
  tags   = var.tags
}}

resource "aws_s3_bucket_versioning" "{n}" {{
  bucket = aws_s3_bucket.{n}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "{n}" {{
  bucket = aws_s3_bucket.{n}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
  }}
}}

resource "aws_s3_bucket" "{n}_logs" {{
  bucket = "${{var.prefix}}-{n}-logs"
}}
""",
    "ec2": """resource "aws_instance" "{n}" {{
  ami           = var.ami
  instance_type = "t3.micro"
  subnet_id     = var.subnet_id
  user_data     = <<-EOT
    #!/bin/bash
    yum install -y httpd
    systemctl start httpd
  EOT
  root_block_device {{
    encrypted = false
  }}
  tags = var.tags
}}

resource "aws_ebs_volume" "{n}_data" {{
  availability_zone = "${{var.region}}a"
  size              = 50
  encrypted         = false
}}

resource "aws_security_group" "{n}" {{
  name        = "{n}"
  description = "Access to {n}"
  vpc_id      = var.vpc_id
  ingress {{
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
""",
    "rds": """resource "aws_db_instance" "{n}" {{
  identifier             = "{n}"
  engine                 = "mysql"
  engine_version         = "8.0"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  username               = "admin"
  password               = var.db_password
  storage_encrypted      = false
  publicly_accessible    = true
  skip_final_snapshot    = true
  backup_retention_period = 0
  tags                   = var.tags
}}

resource "aws_db_subnet_group" "{n}" {{
  name       = "{n}"
  subnet_ids = var.subnet_ids
}}
""",
    "iam": """resource "aws_iam_role" "{n}" {{
  name = "{n}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Action = "sts:AssumeRole", Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_policy" "{n}" {{
  name = "{n}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Action = ["s3:*"], Effect = "Allow", Resource = "*" }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "{n}" {{
  role       = aws_iam_role.{n}.name
  policy_arn = aws_iam_policy.{n}.arn
}}
""",
    "lambda": """resource "aws_lambda_function" "{n}" {{
  function_name = "{n}"
  role          = var.role_arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "${{path.module}}/build/{n}.zip"
  environment {{
    variables = {{
      STAGE = var.stage
    }}
  }}
}}

resource "aws_cloudwatch_log_group" "{n}" {{
  name              = "/aws/lambda/{n}"
  retention_in_days = 7
}}
""",
    "vpc": """resource "aws_vpc" "{n}" {{
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  tags                 = var.tags
}}

resource "aws_subnet" "{n}_public" {{
  vpc_id                  = aws_vpc.{n}.id
  cidr_block              = cidrsubnet(var.cidr, 8, 1)
  map_public_ip_on_launch = true
}}

resource "aws_subnet" "{n}_private" {{
  vpc_id     = aws_vpc.{n}.id
  cidr_block = cidrsubnet(var.cidr, 8, 2)
}}

resource "aws_flow_log" "{n}" {{
  vpc_id          = aws_vpc.{n}.id
  traffic_type    = "ALL"
  log_destination = var.log_bucket_arn
  log_destination_type = "s3"
}}
""",
    "queue": """resource "aws_sqs_queue" "{n}" {{
  name                      = "{n}"
  message_retention_seconds = 86400
}}

resource "aws_sns_topic" "{n}" {{
  name = "{n}"
}}

resource "aws_dynamodb_table" "{n}" {{
  name         = "{n}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
}}
""",
    "eks": """resource "aws_eks_cluster" "{n}" {{
  name     = "{n}"
  role_arn = var.role_arn
  vpc_config {{
    subnet_ids              = var.subnet_ids
    endpoint_public_access  = true
  }}
}}

resource "aws_ecr_repository" "{n}" {{
  name                 = "{n}"
  image_tag_mutability = "MUTABLE"
}}
""",
}

AZURE = {
    "storage": """resource "azurerm_storage_account" "{n}" {{
  name                     = "{n}sa"
  resource_group_name      = var.resource_group
  location                 = var.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "TLS1_0"
  allow_nested_items_to_be_public = true
}}

resource "azurerm_storage_container" "{n}" {{
  name                  = "{n}"
  storage_account_name  = azurerm_storage_account.{n}.name
  container_access_type = "blob"
}}
""",
    "vm": """resource "azurerm_linux_virtual_machine" "{n}" {{
  name                            = "{n}"
  resource_group_name             = var.resource_group
  location                        = var.location
  size                            = "Standard_B1s"
  admin_username                  = "azureuser"
  admin_password                  = var.admin_password
  disable_password_authentication = false
  network_interface_ids           = [var.nic_id]
  os_disk {{
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }}
  source_image_reference {{
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts"
    version   = "latest"
  }}
}}

resource "azurerm_network_security_group" "{n}" {{
  name                = "{n}"
  location            = var.location
  resource_group_name = var.resource_group
  security_rule {{
    name                       = "rdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }}
}}
""",
    "sql": """resource "azurerm_mssql_server" "{n}" {{
  name                         = "{n}-sql"
  resource_group_name          = var.resource_group
  location                     = var.location
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = var.admin_password
  public_network_access_enabled = true
}}

resource "azurerm_key_vault" "{n}" {{
  name                = "{n}-kv"
  location            = var.location
  resource_group_name = var.resource_group
  tenant_id           = var.tenant_id
  sku_name            = "standard"
}}
""",
}

GCP = {
    "bucket": """resource "google_storage_bucket" "{n}" {{
  name          = "${{var.project}}-{n}"
  location      = "EU"
  force_destroy = true
}}

resource "google_storage_bucket_iam_member" "{n}" {{
  bucket = google_storage_bucket.{n}.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}}
""",
    "compute": """resource "google_compute_instance" "{n}" {{
  name         = "{n}"
  machine_type = "e2-micro"
  zone         = "${{var.region}}-b"
  boot_disk {{
    initialize_params {{
      image = "debian-cloud/debian-12"
    }}
  }}
  network_interface {{
    network = "default"
    access_config {{}}
  }}
  metadata = {{
    serial-port-enable = true
  }}
}}

resource "google_compute_firewall" "{n}" {{
  name    = "{n}-ssh"
  network = "default"
  allow {{
    protocol = "tcp"
    ports    = ["22"]
  }}
  source_ranges = ["0.0.0.0/0"]
}}
""",
    "sql": """resource "google_sql_database_instance" "{n}" {{
  name             = "{n}"
  database_version = "POSTGRES_15"
  region           = var.region
  settings {{
    tier = "db-f1-micro"
    ip_configuration {{
      ipv4_enabled = true
      authorized_networks {{
        value = "0.0.0.0/0"
      }}
    }}
  }}
}}
""",
}

VARIABLES = """variable "prefix" {{
  type    = string
  default = "{stack}"
}}

variable "tags" {{
  type    = map(string)
  default = {{ stack = "{stack}", owner = "platform" }}
}}

variable "region" {{
  type    = string
  default = "{region}"
}}
{extra}"""

EXTRA = {
    "aws": ["ami", "subnet_id", "vpc_id", "db_password", "role_arn", "stage", "cidr", "log_bucket_arn"],
    "azure": ["resource_group", "location", "admin_password", "nic_id", "tenant_id"],
    "gcp": ["project"],
}


def _module(dest: Path, cloud: str, kind: str, template: str, stack: str) -> None:
    directory = dest / stack / cloud / kind
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{stack}_{kind}".replace("-", "_")
    (directory / "main.tf").write_text(template.format(n=name))
    extra = "".join(f'\nvariable "{v}" {{\n  type    = string\n  default = "{v}-value"\n}}\n' for v in EXTRA[cloud])
    extra += (
        '\nvariable "subnet_ids" {\n  type    = list(string)\n  default = ["subnet-1", "subnet-2"]\n}\n'
        if cloud == "aws"
        else ""
    )
    (directory / "variables.tf").write_text(VARIABLES.format(stack=stack, region="eu-west-1", extra=extra))
    first = template.split('"')[1]
    (directory / "outputs.tf").write_text(f'output "id" {{\n  value = {first}.{name}.id\n}}\n')
    (directory / "versions.tf").write_text('terraform {\n  required_version = ">= 1.5"\n}\n')


def generate(dest: Path, scale: int = 1) -> dict[str, int]:
    """Write the repository; returns its size (files, lines, resources)."""
    for index in range(scale * 3):
        stack = f"stack{index:02d}"
        for cloud, modules in (("aws", AWS), ("azure", AZURE), ("gcp", GCP)):
            for kind, template in modules.items():
                _module(dest, cloud, kind, template, stack)
        env = dest / stack / "envs" / "prod"
        env.mkdir(parents=True, exist_ok=True)
        calls = "".join(f'module "{kind}" {{\n  source = "../../aws/{kind}"\n}}\n\n' for kind in ("s3", "vpc"))
        (env / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n\n' + calls)
    files = sorted(dest.rglob("*.tf"))
    texts = [f.read_text() for f in files]
    return {
        "tf_files": len(files),
        "lines": sum(t.count("\n") for t in texts),
        "resources": sum(t.count('\nresource "') + t.startswith('resource "') for t in texts),
        "modules": len({f.parent for f in files}),
    }


def generate_single(dest: Path, stacks: int = 4) -> dict[str, int]:
    """One big AWS module (like terragoat's terraform/aws): every AWS template `stacks` times, one
    file each, in a single directory with one variables file, so any change rescans all of it."""
    module = dest / "aws"
    module.mkdir(parents=True, exist_ok=True)
    for index in range(stacks):
        for kind, template in AWS.items():
            (module / f"stack{index:02d}_{kind}.tf").write_text(template.format(n=f"stack{index:02d}_{kind}"))
    extra = "".join(f'\nvariable "{v}" {{\n  type    = string\n  default = "{v}-value"\n}}\n' for v in EXTRA["aws"])
    extra += '\nvariable "subnet_ids" {\n  type    = list(string)\n  default = ["subnet-1", "subnet-2"]\n}\n'
    (module / "variables.tf").write_text(VARIABLES.format(stack="goat", region="eu-west-1", extra=extra))
    (module / "provider.tf").write_text('provider "aws" {\n  region = var.region\n}\n')
    files = sorted(dest.rglob("*.tf"))
    texts = [f.read_text() for f in files]
    return {
        "tf_files": len(files),
        "lines": sum(t.count("\n") for t in texts),
        "resources": sum(t.count('\nresource "') + t.startswith('resource "') for t in texts),
        "modules": len({f.parent for f in files}),
    }


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1))
