using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OwnerOversight : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EndedBy_UserAgent",
                table: "KeyRotations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StartedBy_UserAgent",
                table: "KeyRotations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClosedBy_UserAgent",
                table: "Incidents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReportedBy_UserAgent",
                table: "Incidents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "BranchId",
                table: "AuditEvents",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.AddColumn<string>(
                name: "Actor_UserAgent",
                table: "AuditEvents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CreatedBy_UserAgent",
                table: "ApiKeys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RevokedBy_UserAgent",
                table: "ApiKeys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ScopeUseDays",
                columns: table => new
                {
                    ApiKeyId = table.Column<string>(type: "TEXT", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Allowed = table.Column<long>(type: "INTEGER", nullable: false),
                    Refused = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopeUseDays", x => new { x.ApiKeyId, x.Day, x.Scope });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ScopeUseDays_Day",
                table: "ScopeUseDays",
                column: "Day");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ScopeUseDays");

            migrationBuilder.DropColumn(
                name: "EndedBy_UserAgent",
                table: "KeyRotations");

            migrationBuilder.DropColumn(
                name: "StartedBy_UserAgent",
                table: "KeyRotations");

            migrationBuilder.DropColumn(
                name: "ClosedBy_UserAgent",
                table: "Incidents");

            migrationBuilder.DropColumn(
                name: "ReportedBy_UserAgent",
                table: "Incidents");

            migrationBuilder.DropColumn(
                name: "Actor_UserAgent",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "CreatedBy_UserAgent",
                table: "ApiKeys");

            migrationBuilder.DropColumn(
                name: "RevokedBy_UserAgent",
                table: "ApiKeys");

            migrationBuilder.AlterColumn<string>(
                name: "BranchId",
                table: "AuditEvents",
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);
        }
    }
}
