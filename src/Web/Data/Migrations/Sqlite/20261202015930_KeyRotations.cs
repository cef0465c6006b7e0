using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KeyRotations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "KeyRotations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CompanyId = table.Column<string>(type: "TEXT", nullable: false),
                    BranchId = table.Column<string>(type: "TEXT", nullable: false),
                    OldKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    OldKeyName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ReplacementKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Step = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StepChangedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Ticks = table.Column<string>(type: "TEXT", nullable: false),
                    AutoRevokeAfterIdleHours = table.Column<int>(type: "INTEGER", nullable: true),
                    OverlapHoursFromFirstUse = table.Column<int>(type: "INTEGER", nullable: true),
                    OldKeyExpiresAtBefore = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReplacementFirstUsedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReplacementFirstUsedIp = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ReplacementFirstUsedUserAgent = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EndedBy_Id = table.Column<string>(type: "TEXT", nullable: true),
                    EndedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    EndedBy_Name = table.Column<string>(type: "TEXT", nullable: true),
                    EndedBy_Type = table.Column<int>(type: "INTEGER", nullable: true),
                    StartedBy_Id = table.Column<string>(type: "TEXT", nullable: false),
                    StartedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    StartedBy_Name = table.Column<string>(type: "TEXT", nullable: false),
                    StartedBy_Type = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KeyRotations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_KeyRotations_ApiKeys_OldKeyId",
                        column: x => x.OldKeyId,
                        principalTable: "ApiKeys",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_KeyRotations_ApiKeys_ReplacementKeyId",
                        column: x => x.ReplacementKeyId,
                        principalTable: "ApiKeys",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_KeyRotations_OldKeyId",
                table: "KeyRotations",
                column: "OldKeyId",
                unique: true,
                filter: "\"Step\" <= 4");

            migrationBuilder.CreateIndex(
                name: "IX_KeyRotations_ReplacementKeyId",
                table: "KeyRotations",
                column: "ReplacementKeyId");

            migrationBuilder.CreateIndex(
                name: "IX_KeyRotations_Step_AutoRevokeAfterIdleHours",
                table: "KeyRotations",
                columns: new[] { "Step", "AutoRevokeAfterIdleHours" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "KeyRotations");
        }
    }
}
