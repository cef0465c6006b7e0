namespace FieldCamp.Domain.Tenancy;

/// <summary>What keeps a company manageable while its people come and go.</summary>
public static class TeamRules
{
    public const string LastOwnerMessage =
        "A company needs at least one owner. Make someone else an owner first, then change or remove this person.";

    /// <summary>
    /// Refuses to take the owner role away from the company's last owner: by a demotion (<paramref name="newRole"/> is
    /// not Owner) or by removal (<paramref name="newRole"/> is null). Nobody could then manage the team, the key policy
    /// or the quarterly audit, and no one in the product could repair it.
    /// </summary>
    public static void EnsureAnOwnerRemains(Role currentRole, Role? newRole, int ownerCount)
    {
        if (currentRole == Role.Owner && newRole != Role.Owner && ownerCount <= 1)
            throw new DomainException(LastOwnerMessage);
    }
}
