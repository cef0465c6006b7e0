#!/usr/bin/env bash
# scripts/add-migration.sh NAME — adds a migration for a model change to both stores' migration sets
# (src/Web/Data/Migrations/Sqlite and .../Postgres). Needs dotnet-ef 10.0.x: dotnet tool install --global dotnet-ef --version 10.0.15
set -euo pipefail
name=${1:?usage: $0 NAME}
cd "$(dirname "$0")/../src/Web"
export PATH="$PATH:$HOME/.dotnet/tools"
dotnet ef migrations add "$name" --context SqliteAppDbContext --output-dir Data/Migrations/Sqlite
# Generating a migration never connects; the connection string only tells EF which engine to write SQL for.
Database__Provider=Postgres ConnectionStrings__Default="Host=localhost;Database=fieldcamp" \
    dotnet ef migrations add "$name" --context PostgresAppDbContext --output-dir Data/Migrations/Postgres --no-build
