using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FieldResources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "ArrivedAt",
                table: "Visits",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "CompletedAt",
                table: "Visits",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CreatedByKeyId",
                table: "Visits",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Notes",
                table: "Visits",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "Visits",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "UpdatedByKeyId",
                table: "Visits",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CreatedByKeyId",
                table: "Jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Description",
                table: "Jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ScheduledFor",
                table: "Jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "Jobs",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "UpdatedByKeyId",
                table: "Jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CreatedByKeyId",
                table: "Items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Description",
                table: "Items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Sku",
                table: "Items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "Items",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "UpdatedByKeyId",
                table: "Items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CreatedByKeyId",
                table: "Invoices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "DueOn",
                table: "Invoices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Lines",
                table: "Invoices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "Invoices",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "UpdatedByKeyId",
                table: "Invoices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Address",
                table: "Clients",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CreatedByKeyId",
                table: "Clients",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "Clients",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "UpdatedByKeyId",
                table: "Clients",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Visits_BranchId_UpdatedAt",
                table: "Visits",
                columns: new[] { "BranchId", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Jobs_BranchId_UpdatedAt",
                table: "Jobs",
                columns: new[] { "BranchId", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Items_BranchId_UpdatedAt",
                table: "Items",
                columns: new[] { "BranchId", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Invoices_BranchId_UpdatedAt",
                table: "Invoices",
                columns: new[] { "BranchId", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Clients_BranchId_UpdatedAt",
                table: "Clients",
                columns: new[] { "BranchId", "UpdatedAt" });

            // Records from before this change: last changed when created; an old invoice's total becomes its one line
            // (EF keeps a decimal in JSON as a string on SQLite).
            foreach (var table in new[] { "Clients", "Jobs", "Visits", "Invoices", "Items" })
                migrationBuilder.Sql($"UPDATE \"{table}\" SET \"UpdatedAt\" = \"CreatedAt\";");
            migrationBuilder.Sql("""
                UPDATE "Invoices" SET "Lines" = json_array(json_object('Description', 'Invoice ' || "Number", 'Quantity', '1.0', 'UnitPriceCents', "TotalCents"))
                WHERE "Lines" IS NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Visits_BranchId_UpdatedAt",
                table: "Visits");

            migrationBuilder.DropIndex(
                name: "IX_Jobs_BranchId_UpdatedAt",
                table: "Jobs");

            migrationBuilder.DropIndex(
                name: "IX_Items_BranchId_UpdatedAt",
                table: "Items");

            migrationBuilder.DropIndex(
                name: "IX_Invoices_BranchId_UpdatedAt",
                table: "Invoices");

            migrationBuilder.DropIndex(
                name: "IX_Clients_BranchId_UpdatedAt",
                table: "Clients");

            migrationBuilder.DropColumn(
                name: "ArrivedAt",
                table: "Visits");

            migrationBuilder.DropColumn(
                name: "CompletedAt",
                table: "Visits");

            migrationBuilder.DropColumn(
                name: "CreatedByKeyId",
                table: "Visits");

            migrationBuilder.DropColumn(
                name: "Notes",
                table: "Visits");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "Visits");

            migrationBuilder.DropColumn(
                name: "UpdatedByKeyId",
                table: "Visits");

            migrationBuilder.DropColumn(
                name: "CreatedByKeyId",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "Description",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "ScheduledFor",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "UpdatedByKeyId",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "CreatedByKeyId",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "Description",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "Sku",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "UpdatedByKeyId",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "CreatedByKeyId",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "DueOn",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "Lines",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "UpdatedByKeyId",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "Address",
                table: "Clients");

            migrationBuilder.DropColumn(
                name: "CreatedByKeyId",
                table: "Clients");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "Clients");

            migrationBuilder.DropColumn(
                name: "UpdatedByKeyId",
                table: "Clients");
        }
    }
}
