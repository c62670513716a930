//! STAFF-5, STAFF-6, STAFF-7, STAFF-10: the whole role x action table, walked cell by cell.

use kring_domain::{Action, Role};

/// The expected table, one row per role, in `Action::ALL` order. `X` = allowed.
/// Changing a permission means changing this picture too: a deliberate, reviewable edit.
const EXPECTED: &str = "
                        Dir Tcm Req Dea Aut Inv Col Pat Ref Con Ans Rea Adm PDe CDe Fin Rep Aio Ggz Rst Log App Mtx Imp Cns Shr
Huisarts                 X   X   X   X   X   X   .   X   X   X   .   X   X   X   X   X   X   X   X   X   X   .   .   X   X   X
Assistent                X   .   .   .   .   .   .   X   .   .   .   X   X   .   .   .   .   .   .   .   .   .   .   X   X   X
AssistentFin             X   .   .   .   .   .   .   .   .   .   .   .   .   X   X   X   .   .   .   .   .   .   .   .   .   .
PohS                     X   .   .   .   .   .   .   X   X   X   .   X   .   .   X   X   .   .   .   .   .   .   .   .   X   X
PohSZonderFinancieel     X   .   .   .   .   .   .   X   X   X   .   X   .   .   X   .   .   .   .   .   .   .   .   .   X   X
Kwaliteitsmedewerker     X   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   X   .   .   .   .   .   .   .   .   .
Aios                     X   .   .   .   .   .   .   X   .   .   .   X   .   .   .   .   .   X   .   .   .   .   .   .   X   .
Waarnemer                X   .   .   .   .   .   .   X   X   X   .   X   .   .   .   .   .   .   .   .   .   .   .   .   X   X
PohGgz                   X   .   .   .   .   .   .   X   X   X   .   X   .   .   .   .   .   .   X   .   .   .   .   .   X   X
Zorgverlener             X   .   .   .   .   .   .   X   .   .   .   X   .   .   .   .   .   .   .   .   .   .   .   .   X   .
Hoofdzorgverlener        X   X   .   .   .   .   X   X   .   .   .   X   .   .   .   .   .   .   .   .   .   .   .   .   X   .
Accountbeheerder         X   X   X   X   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   X   .   .   .   .   .   .
Consultatiegever         X   .   .   .   .   .   .   .   .   .   X   X   .   .   .   .   .   .   .   .   .   .   .   .   .   .
Regiobeheerder           X   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   X   X   .   .   .
";

#[test]
fn staff_5_permission_table_matches_the_agreed_picture_cell_by_cell() {
    let rows: Vec<&str> = EXPECTED.lines().filter(|l| !l.trim().is_empty()).skip(1).collect();
    assert_eq!(rows.len(), Role::ALL.len(), "one row per role");
    let mut checked = 0;
    for (role, row) in Role::ALL.iter().zip(rows) {
        let mut cells = row.split_whitespace();
        assert_eq!(cells.next(), Some(format!("{role:?}").as_str()));
        let cells: Vec<&str> = cells.collect();
        assert_eq!(cells.len(), Action::ALL.len(), "row for {role:?}");
        for (action, cell) in Action::ALL.iter().zip(cells) {
            assert_eq!(role.permits(*action), cell == "X", "{role:?} x {action:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 14 * 26);
}

#[test]
fn staff_7_account_manager_is_not_a_care_professional_and_reads_no_messages() {
    assert!(!Role::Accountbeheerder.is_care_professional());
    assert!(!Role::Accountbeheerder.permits(Action::ReadConversations));
    assert!(!Role::Accountbeheerder.permits(Action::ViewPatients));
}

#[test]
fn staff_5_poh_s_without_finance_is_poh_s_minus_finances() {
    for action in Action::ALL {
        let expected = action != Action::ViewFinances && Role::PohS.permits(action);
        assert_eq!(Role::PohSZonderFinancieel.permits(action), expected, "{action:?}");
    }
}

#[test]
fn staff_5_huisarts_may_do_everything_the_practice_has() {
    let not_the_practice = [
        Action::AnswerConsultation,
        Action::InviteOwnColleague,
        Action::ApproveAccountRequest,
        Action::DecideAuthorisationMatrix,
    ];
    for action in Action::ALL {
        if !not_the_practice.contains(&action) {
            assert!(Role::Huisarts.permits(action), "{action:?}");
        }
    }
}

#[test]
fn every_action_is_allowed_to_someone_and_every_role_has_dutch_name() {
    for action in Action::ALL {
        assert!(Role::ALL.iter().any(|r| r.permits(action)), "{action:?} is dead");
    }
    for role in Role::ALL {
        assert!(!role.dutch_name().is_empty());
    }
}
