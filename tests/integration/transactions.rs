//! Transactions across records and tables: all or nothing, reasons per action, caches kept right.

use structnosql::expr::Condition;
use structnosql::table::{
    BasicTable, CachingTable, PrimaryIndex, ReadTransaction, Setters, WriteTransaction,
};
use structnosql::{Error, TableDataModel};

use crate::harness;

#[derive(TableDataModel, Debug, Clone, PartialEq)]
pub struct Account {
    id: String,
    balance: Option<i64>,
}

#[derive(TableDataModel, Debug, Clone, PartialEq)]
#[structnosql(rename_all = "camelCase")]
pub struct Transfer {
    transfer_id: String,
    from: String,
    to: String,
    amount: i64,
    #[structnosql(version)]
    version: Option<i64>,
}

struct Bank {
    accounts: BasicTable<Account>,
    cached_accounts: CachingTable<Account>,
    transfers: BasicTable<Transfer>,
    counter: harness::RequestCounter,
}

async fn bank() -> Bank {
    let (client, counter) = harness::counted_client();
    let accounts_name = harness::unique_table_name("accounts");
    let accounts = BasicTable::<Account>::builder()
        .table_name(&accounts_name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    let cached_accounts = CachingTable::<Account>::builder()
        .table_name(&accounts_name)
        .client(client.clone())
        .primary_index(PrimaryIndex::hash("id"))
        .build()
        .await
        .unwrap();
    let transfers = BasicTable::<Transfer>::builder()
        .table_name(harness::unique_table_name("transfers"))
        .client(client)
        .primary_index(PrimaryIndex::hash("transferId"))
        .auto_create_table(true)
        .build()
        .await
        .unwrap();
    for (id, balance) in [("a", 100), ("b", 10), ("c", 0)] {
        accounts
            .put_record(&Account {
                id: id.into(),
                balance: Some(balance),
            })
            .await
            .unwrap();
    }
    counter.take();
    Bank {
        accounts,
        cached_accounts,
        transfers,
        counter,
    }
}

fn transfer(id: &str, amount: i64) -> Transfer {
    Transfer {
        transfer_id: id.into(),
        from: "a".into(),
        to: "b".into(),
        amount,
        version: None,
    }
}

fn move_money(
    bank: &Bank,
    amount: i64,
    expected_from: i64,
) -> structnosql::Result<WriteTransaction> {
    let balance = Account::fields().balance();
    WriteTransaction::new()
        .update_if(
            &bank.accounts,
            "a",
            &Setters::new().set(balance.clone(), expected_from - amount),
            &Condition::eq(balance.clone(), expected_from),
        )?
        .update(
            &bank.accounts,
            "b",
            &Setters::new().set(balance.clone(), 10 + amount),
        )?
        .put(&bank.transfers, &transfer("t1", amount))?
        .check(&bank.accounts, "c", &Condition::exists(balance))
}

async fn balances(bank: &Bank) -> (Option<i64>, Option<i64>) {
    let balance = Account::fields().balance();
    (
        bank.accounts.get_field("a", balance.clone()).await.unwrap(),
        bank.accounts.get_field("b", balance).await.unwrap(),
    )
}

#[tokio::test]
async fn writes_across_records_and_tables_are_applied_together_in_one_request() {
    let bank = bank().await;
    let transaction = move_money(&bank, 30, 100).unwrap();
    assert_eq!(transaction.actions().len(), 4);
    assert_eq!(bank.counter.take(), 0, "nothing is sent while building");
    transaction.commit().await.unwrap();
    assert_eq!(bank.counter.take(), 1);
    assert_eq!(balances(&bank).await, (Some(70), Some(40)));
    let stored = bank.transfers.get_record("t1").await.unwrap().unwrap();
    assert_eq!((stored.amount, stored.version), (30, Some(1)));
}

#[tokio::test]
async fn a_failed_condition_cancels_every_write_and_names_the_action() {
    let bank = bank().await;
    // The balance is 100, not 90: the first action fails, so none is applied.
    let error = move_money(&bank, 30, 90)
        .unwrap()
        .commit()
        .await
        .unwrap_err();
    let Error::TransactionCanceled { actions } = &error else {
        panic!("{error}");
    };
    assert_eq!(actions.len(), 4);
    assert_eq!(actions[0].code.as_deref(), Some("ConditionalCheckFailed"));
    assert!(
        actions[0].action.starts_with("Update "),
        "{}",
        actions[0].action
    );
    assert!(
        actions[0]
            .current
            .as_ref()
            .is_some_and(
                |item| item.get("balance").and_then(|v| v.as_n().ok()) == Some(&"100".to_owned())
            ),
        "the stored record comes with the reason: {:?}",
        actions[0].current
    );
    assert!(
        actions[1..].iter().all(|action| action.code.is_none()),
        "{actions:?}"
    );
    assert_eq!(balances(&bank).await, (Some(100), Some(10)));
    assert!(bank.transfers.get_record("t1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_stale_version_cancels_the_transaction() {
    let bank = bank().await;
    bank.transfers.put_record(&transfer("t1", 5)).await.unwrap();
    // A record with no version means "new": one exists now.
    let error = WriteTransaction::new()
        .put(&bank.transfers, &transfer("t1", 6))
        .unwrap()
        .commit()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::TransactionCanceled { .. }),
        "{error}"
    );
    let mut current = bank.transfers.get_record("t1").await.unwrap().unwrap();
    current.amount = 7;
    WriteTransaction::new()
        .put(&bank.transfers, &current)
        .unwrap()
        .delete_if(
            &bank.accounts,
            "c",
            &Condition::eq(Account::fields().balance(), 0),
        )
        .unwrap()
        .commit()
        .await
        .unwrap();
    let stored = bank.transfers.get_record("t1").await.unwrap().unwrap();
    assert_eq!((stored.amount, stored.version), (7, Some(2)));
    assert!(bank.accounts.get_record("c").await.unwrap().is_none());
}

#[tokio::test]
async fn a_read_transaction_reads_records_of_several_tables_at_once() {
    let bank = bank().await;
    bank.transfers.put_record(&transfer("t1", 5)).await.unwrap();
    bank.counter.take();
    let mut reads = ReadTransaction::new();
    let a = reads.get(&bank.accounts, "a").unwrap();
    let nobody = reads.get(&bank.accounts, "nobody").unwrap();
    let t1 = reads.get(&bank.transfers, "t1").unwrap();
    let mut results = reads.commit().await.unwrap();
    assert_eq!(bank.counter.take(), 1);
    assert_eq!(results.take(a).unwrap().unwrap().balance, Some(100));
    assert_eq!(results.take(nobody).unwrap(), None);
    assert_eq!(results.take(t1).unwrap().unwrap().amount, 5);
}

#[tokio::test]
async fn a_caching_table_commits_pending_writes_first_and_forgets_the_records_after() {
    let bank = bank().await;
    let balance = Account::fields().balance();
    assert_eq!(
        bank.cached_accounts
            .get_field("a", balance.clone())
            .await
            .unwrap(),
        Some(100)
    );
    // A pending write to `a`, then a transaction that expects it to be there.
    bank.cached_accounts
        .update_field("a", balance.clone(), 80)
        .await
        .unwrap();
    bank.counter.take();
    WriteTransaction::new()
        .update_if(
            &bank.cached_accounts,
            "a",
            &Setters::new().set(balance.clone(), 50),
            &Condition::eq(balance.clone(), 80),
        )
        .unwrap()
        .commit()
        .await
        .unwrap();
    assert_eq!(
        bank.counter.take(),
        2,
        "the pending write, then the transaction"
    );
    assert!(!bank.cached_accounts.has_pending_operations());
    // The cache does not serve its old value: it reads again.
    assert_eq!(
        bank.cached_accounts.get_field("a", balance).await.unwrap(),
        Some(50)
    );
    assert_eq!(bank.counter.take(), 1);
}

#[tokio::test]
async fn an_empty_transaction_sends_nothing_and_more_than_100_actions_are_refused() {
    let bank = bank().await;
    WriteTransaction::new().commit().await.unwrap();
    ReadTransaction::new().commit().await.unwrap();
    let mut transaction = WriteTransaction::new();
    for i in 0..100 {
        transaction = transaction.delete(&bank.accounts, format!("x{i}")).unwrap();
    }
    let error = transaction.delete(&bank.accounts, "x100").unwrap_err();
    assert!(
        matches!(
            error,
            Error::TooManyActions {
                count: 101,
                limit: 100,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(bank.counter.take(), 0);
}
